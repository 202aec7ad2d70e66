#!/usr/bin/python3
"""A case-insensitive, case-preserving file system over a folder, as macOS's and Windows'
default disks are: `A.bin` and `a.bin` name one file, which keeps the spelling it was made
with. Mounted with FUSE (Debian's python3-fusepy over libfuse2) for the SDK's tests:

    /usr/bin/python3 casefold-fs.py BACKING MOUNTPOINT

It runs in the foreground until unmounted (umount MOUNTPOINT) or killed.
"""

import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations


class CaseFolding(Operations):
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def _real(self, path):
        """The backing path of `path`: each segment as an entry that exists folds to it, else as given."""
        real = self.root
        for segment in [s for s in path.split("/") if s]:
            folded = segment.casefold()
            try:
                match = next((e for e in os.listdir(real) if e.casefold() == folded), segment)
            except (FileNotFoundError, NotADirectoryError):
                match = segment
            real = os.path.join(real, match)
        return real

    def access(self, path, mode):
        if not os.access(self._real(path), mode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        return os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        return os.chown(self._real(path), uid, gid)

    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path))
        keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid")
        return {key: getattr(st, key) for key in keys}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._real(path))

    def mkdir(self, path, mode):
        return os.mkdir(self._real(path), mode)

    def rmdir(self, path):
        return os.rmdir(self._real(path))

    def unlink(self, path):
        return os.unlink(self._real(path))

    def rename(self, old, new):
        return os.rename(self._real(old), self._real(new))

    def utimens(self, path, times=None):
        return os.utime(self._real(path), times)

    def statfs(self, path):
        stv = os.statvfs(self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {key: getattr(stv, key) for key in keys}

    def open(self, path, flags):
        return os.open(self._real(path), flags)

    def create(self, path, mode, fi=None):
        return os.open(self._real(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)

    def read(self, path, length, offset, fh):
        os.lseek(fh, offset, os.SEEK_SET)
        return os.read(fh, length)

    def write(self, path, buf, offset, fh):
        os.lseek(fh, offset, os.SEEK_SET)
        return os.write(fh, buf)

    def truncate(self, path, length, fh=None):
        with open(self._real(path), "r+") as f:
            f.truncate(length)

    def flush(self, path, fh):
        return os.fsync(fh)

    def release(self, path, fh):
        return os.close(fh)

    def fsync(self, path, datasync, fh):
        return os.fsync(fh)


if __name__ == "__main__":
    backing, mountpoint = sys.argv[1], sys.argv[2]
    # No caching of names: each lookup asks, so a name made a moment ago is found by any spelling.
    FUSE(CaseFolding(backing), mountpoint, foreground=True, nothreads=True, entry_timeout=0, negative_timeout=0, attr_timeout=0)
