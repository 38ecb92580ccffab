"""The errors of backup and restore, each with a message an operator can act on."""


class BackupError(Exception):
    """Base of every backup and restore failure; the message is shown to the operator as it is."""


class WeakPassphrase(BackupError):
    """The passphrase is too short to protect an archive of personal data."""


class NotABackup(BackupError):
    """The file does not start like a Humus backup archive."""


class WrongPassphrase(BackupError):
    """The key derived from the passphrase does not open the archive (or its header was altered)."""


class DamagedArchive(BackupError):
    """A chunk fails authentication, or the decrypted content disagrees with its manifest."""


class TruncatedArchive(DamagedArchive):
    """The archive ends before its final chunk: the end of the file is missing."""


class IncompatibleBackup(BackupError):
    """The archive was made by a Humus whose schema differs from this one."""


class TargetNotEmpty(BackupError):
    """The restore target already holds data (or is not a place a restore may write to)."""


class VerificationFailed(BackupError):
    """The restored database does not hold what the manifest says was backed up."""
