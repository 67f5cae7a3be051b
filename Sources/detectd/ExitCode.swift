/// Process exit codes, from BSD's sysexits.h so that scripts and systemd can tell failures apart.
enum ExitCode: Int32 {
    /// Everything worked.
    case success = 0
    /// The command line was wrong: an unknown option, a missing value (EX_USAGE).
    case usage = 64
    /// An input file was read but its content is invalid: a malformed weights file (EX_DATAERR).
    case dataError = 65
    /// An input does not exist or cannot be opened (EX_NOINPUT).
    case noInput = 66
    /// An internal error: a backend failure that is not the input's fault (EX_SOFTWARE).
    case software = 70
    /// An output file could not be created (EX_CANTCREAT).
    case cannotCreate = 73
    /// Writing output failed (EX_IOERR).
    case ioError = 74
}
