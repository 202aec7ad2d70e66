import { GLOBAL_OPTIONS, parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { UsageError } from "./output.js";

/**
 * Shell completion scripts, generated from the commands' own option tables so
 * they cannot fall behind: commands, their options and actions, directories for
 * `push DIR` and `--out`, model names for `ls`, `pull`, `rm`, `edit`, `alias` and
 * `watch` (asked of the registry with `homer ls --json`, with the line's --url,
 * --api-key and --project), and after `NAME@` its aliases and `latest` (asked
 * with `homer alias ls NAME --json`).
 */

/** `--name -n` for every option of a table. */
function spellings(options: Options, valued?: boolean): string[] {
  return Object.entries(options)
    .filter(([, o]) => valued === undefined || (o.type === "string") === valued)
    .flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

const GLOBAL_VALUED = spellings(GLOBAL_OPTIONS, true);

/** Model names as `homer ls --json` prints them (names are [A-Za-z0-9_.-], so grep and cut suffice). */
const MODEL_NAMES = `command homer "\${globals[@]}" ls --json 2>/dev/null | grep -o '"name":"[A-Za-z0-9_.-]*"' | cut -d'"' -f4`;

/** `latest` and the aliases of the model `$name` (aliases are [a-z0-9_-]), as `homer alias ls NAME --json` prints them. */
const ALIAS_NAMES = `echo latest; command homer "\${globals[@]}" alias ls "$name" --json 2>/dev/null | grep -o '"alias":"[a-z0-9_-]*"' | cut -d'"' -f4`;

/** The bash script: `_homer`, registered with `complete -F`. */
export function bashScript(commands: Readonly<Record<string, Command>>): string {
  const arms = Object.entries(commands).map(([name, c]) => {
    const options = c.options ?? {};
    const lines = [
      `options="${spellings(options).join(" ")}"`,
      `valued=" ${spellings(options, true).join(" ")} "`,
      `actions="${(c.actions ?? []).join(" ")}"`,
      `operand="${c.operand ?? ""}"`,
    ];
    return `      ${name}) ${lines.join("; ")} ;;`;
  });
  return `# bash completion for homer: source <(homer completion bash)
_homer() {
  # Words split at blanks only: bash's COMP_WORDS also splits at : and =, which cuts URLs apart.
  local -a words
  local cword
  if [[ -n "\${COMP_LINE-}" ]]; then
    local line="\${COMP_LINE:0:COMP_POINT}"
    read -ra words <<< "$line"
    [[ -z "$line" || "$line" == *[[:space:]] ]] && words+=("")
    cword=$((\${#words[@]} - 1))
  else
    words=("\${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
  local cur="\${words[cword]}" prev="\${words[cword-1]}"
  local global_options="${spellings(GLOBAL_OPTIONS).join(" ")}"
  local global_valued=" ${GLOBAL_VALUED.join(" ")} "
  local i command="" command_at=0
  local -a globals=()
  for ((i = 1; i < cword; i++)); do
    local word="\${words[i]}"
    if [[ "$global_valued" == *" $word "* ]]; then
      globals+=("$word" "\${words[i+1]}")
      ((i++))
    elif [[ "$global_valued" == *" \${word%%=*} "* ]]; then
      globals+=("$word")
    elif [[ -z "$command" && "$word" != -* ]]; then
      command="$word"
      command_at=$i
    fi
  done
  COMPREPLY=()
  [[ "$global_valued" == *" $prev "* ]] && return 0
  if [[ -z "$command" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "$global_options --version -V" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${Object.keys(commands).join(" ")}" -- "$cur"))
    fi
    return 0
  fi
  local options="" valued="" actions="" operand=""
  case "$command" in
${arms.join("\n")}
  esac
  if [[ "$valued" == *" $prev "* ]]; then
    [[ "$prev" == --out || "$prev" == -o ]] && COMPREPLY=($(compgen -d -- "$cur"))
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$options $global_options" -- "$cur"))
  elif [[ -n "$actions" && $cword -eq $((command_at + 1)) ]]; then
    COMPREPLY=($(compgen -W "$actions" -- "$cur"))
  elif [[ "$operand" == directory ]]; then
    COMPREPLY=($(compgen -d -- "$cur"))
  elif [[ "$operand" == model && "$cur" == [A-Za-z0-9]*@* ]]; then
    local name="\${cur%%@*}" ref
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || return 0
    for ref in $(${ALIAS_NAMES}); do
      [[ "$name@$ref" == "$cur"* ]] && COMPREPLY+=("$name@$ref")
    done
  elif [[ "$operand" == model ]]; then
    COMPREPLY=($(compgen -W "$(${MODEL_NAMES})" -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _homer homer
`;
}

/** A word inside zsh single quotes. */
function zshQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** _arguments specs for an option table: `'*--metric:metric:'`, `'--asc'`. */
function zshSpecs(options: Options): string[] {
  return Object.entries(options).flatMap(([name, o]) => {
    const argument = o.type === "string" ? (name === "out" ? `:${name}:_files -/` : `:${name}:`) : "";
    const repeat = "multiple" in o && o.multiple ? "*" : "";
    return [`--${name}`, ...(o.short ? [`-${o.short}`] : [])].map((flag) => zshQuoted(`${repeat}${flag}${argument}`));
  });
}

/** The zsh script: `#compdef homer`, sourced or autoloaded from $fpath. */
export function zshScript(commands: Readonly<Record<string, Command>>): string {
  const describe = Object.entries(commands).map(([name, c]) => zshQuoted(`${name}:${c.summary}`));
  const arms = Object.entries(commands).map(([name, c]) => {
    const specs = zshSpecs(c.options ?? {});
    if (c.actions) specs.push(zshQuoted(`1:action:(${c.actions.join(" ")})`));
    if (c.operand === "directory") specs.push(zshQuoted("*:directory:_files -/"));
    if (c.operand === "model") specs.push(zshQuoted("*:model:_homer_models"));
    return `        ${name}) _arguments ${[...specs, "$global_specs[@]"].join(" ")} ;;`;
  });
  return `#compdef homer
# zsh completion for homer: source <(homer completion zsh), or save it as _homer in a directory of $fpath
_homer_models() {
  local -a globals models
  local i
  for ((i = 1; i < \${#words[@]}; i++)); do
    case "\${words[i]}" in
      ${GLOBAL_VALUED.join("|")}) globals+=("\${words[i]}" "\${words[i+1]}") ;;
    esac
  done
  if [[ "$PREFIX" == [A-Za-z0-9]*@* ]]; then
    local name="\${PREFIX%%@*}"
    [[ "$name" =~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' ]] || return 0
    models=(\${(f)"$(${ALIAS_NAMES})"})
    compadd -P "$name@" -a models
    return
  fi
  models=(\${(f)"$(${MODEL_NAMES})"})
  compadd -a models
}

_homer() {
  local curcontext="$curcontext" state line
  local -a global_specs commands
  global_specs=(${zshSpecs(GLOBAL_OPTIONS).join(" ")})
  commands=(${describe.join(" ")})
  _arguments -C $global_specs[@] '(-V --version)'{-V,--version} '1:command:->command' '*::argument:->argument' && return 0
  case $state in
    command) _describe -t commands 'homer command' commands ;;
    argument)
      case $words[1] in
${arms.join("\n")}
      esac ;;
  esac
}

if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _homer "$@"
else
  compdef _homer homer
fi
`;
}

const COMPLETION_USAGE = "homer completion bash|zsh";

/** `homer completion SHELL`; `commands` is asked for when it runs (it includes this command). */
export function completion(commands: () => Readonly<Record<string, Command>>): Command {
  return {
    usage: COMPLETION_USAGE,
    summary: "print a shell completion script: source <(homer completion bash)",
    actions: ["bash", "zsh"],
    help: `
bash: add \`source <(homer completion bash)\` to ~/.bashrc.
zsh:  add \`source <(homer completion zsh)\` to ~/.zshrc (after compinit), or save the
      script as _homer in a directory of $fpath.
Model names are completed by asking the registry (\`homer ls --json\`).`,
    async run(args, io) {
      const { positionals } = parse(args, {}, COMPLETION_USAGE, io);
      const [shell] = positionals;
      if (positionals.length !== 1 || (shell !== "bash" && shell !== "zsh")) {
        throw new UsageError(`expected bash or zsh\nusage: ${COMPLETION_USAGE}`);
      }
      // A script, not output for a terminal or JSON: written as is.
      process.stdout.write(shell === "bash" ? bashScript(commands()) : zshScript(commands()));
      return 0;
    },
  };
}
