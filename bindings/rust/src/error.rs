use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use crate::ffi;

/// A libmeshpool error code (`MP_E*`). Its `Display` is `mp_strerror`'s
/// text, so a message reads the same from C and from Rust, followed by
/// what the library could say about it: the sentence naming the invalid
/// field of a request or brush, or the system's message for a file error.
/// A failed [`Client::connect`](crate::Client::connect) gives a
/// [`ConnectError`], which carries the sentence naming the sockets tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// `MP_EAGAIN`: a lane or the in-flight limit is full (poll, then
    /// submit again), or every client slot of the daemon is taken.
    Again,
    /// `MP_EINVAL`: a request or brush field is out of range, more than
    /// [`MAX_BRUSHES`](crate::MAX_BRUSHES) brushes touch a chunk, a group
    /// that can never fit, a bad instance name, or a result without a live
    /// mesh. With the sentence saying which and why when there is one
    /// (`mp_request_problem`, `mp_brush_problem`, or this crate's own for
    /// the cases the library names none): `Display` shows it.
    Invalid(Option<&'static str>),
    /// `MP_ENOMEM`: out of memory; as a status, the mesh outgrew the arena.
    OutOfMemory,
    /// `MP_ECANCELED`: a status, the request was cancelled.
    Canceled,
    /// `MP_ETIMEDOUT`: a wait or drain timed out, the daemon did not answer
    /// a connect in 5 s, or (as a status) the request ran too long.
    TimedOut,
    /// `MP_EWORKER`: a status, the request killed two workers in a row.
    WorkerCrashed,
    /// `MP_ESHUTDOWN`: the daemon is stopping or draining.
    Shutdown,
    /// `MP_ENOENT`: no such daemon instance, or no such request to cancel.
    NotFound,
    /// `MP_EPERM`: the daemon refused this user.
    PermissionDenied,
    /// `MP_EDISCONNECTED`: the daemon went away (see `Client::unfinished`).
    Disconnected,
    /// `MP_EPROTO`: the daemon speaks another ABI version, or nonsense.
    Protocol,
    /// `MP_EPROTO` from [`Edits::load`](crate::Edits::load): the file is
    /// damaged, truncated or not an edit set at all; nothing was loaded.
    BadEditFile,
    /// `MP_EIO`: a system call failed unexpectedly; for a file of
    /// [`Edits`](crate::Edits), with the `errno` it left when there was one
    /// (see [`raw_os_error`](Error::raw_os_error)).
    Io(Option<i32>),
    /// A negative code this version of the crate does not know.
    Unknown(i32),
}

impl Error {
    /// The C code, `MP_E*`.
    pub fn code(self) -> i32 {
        match self {
            Error::Again => ffi::MP_EAGAIN,
            Error::Invalid(_) => ffi::MP_EINVAL,
            Error::OutOfMemory => ffi::MP_ENOMEM,
            Error::Canceled => ffi::MP_ECANCELED,
            Error::TimedOut => ffi::MP_ETIMEDOUT,
            Error::WorkerCrashed => ffi::MP_EWORKER,
            Error::Shutdown => ffi::MP_ESHUTDOWN,
            Error::NotFound => ffi::MP_ENOENT,
            Error::PermissionDenied => ffi::MP_EPERM,
            Error::Disconnected => ffi::MP_EDISCONNECTED,
            Error::Protocol | Error::BadEditFile => ffi::MP_EPROTO,
            Error::Io(_) => ffi::MP_EIO,
            Error::Unknown(code) => code,
        }
    }

    /// The error for a non-zero C code, with nothing more to say
    /// (`Invalid(None)`, `Io(None)`; MP_EPROTO is `Protocol`).
    pub fn from_code(code: i32) -> Error {
        match code {
            ffi::MP_EAGAIN => Error::Again,
            ffi::MP_EINVAL => Error::Invalid(None),
            ffi::MP_ENOMEM => Error::OutOfMemory,
            ffi::MP_ECANCELED => Error::Canceled,
            ffi::MP_ETIMEDOUT => Error::TimedOut,
            ffi::MP_EWORKER => Error::WorkerCrashed,
            ffi::MP_ESHUTDOWN => Error::Shutdown,
            ffi::MP_ENOENT => Error::NotFound,
            ffi::MP_EPERM => Error::PermissionDenied,
            ffi::MP_EDISCONNECTED => Error::Disconnected,
            ffi::MP_EPROTO => Error::Protocol,
            ffi::MP_EIO => Error::Io(None),
            other => Error::Unknown(other),
        }
    }

    /// For `Invalid`, the sentence naming the field and the rule it breaks
    /// (or why a group or edited request can never be taken), if known.
    pub fn problem(&self) -> Option<&'static str> {
        match *self {
            Error::Invalid(problem) => problem,
            _ => None,
        }
    }

    /// For `Io` from a file of edits, the `errno` the library left.
    pub fn raw_os_error(&self) -> Option<i32> {
        match *self {
            Error::Io(errno) => errno,
            _ => None,
        }
    }

    /// `Ok` for `MP_OK`, else the error: for calls that return 0 or a code.
    pub(crate) fn check(code: c_int) -> Result<(), Error> {
        match code {
            ffi::MP_OK => Ok(()),
            e => Err(Error::from_code(e)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Error::BadEditFile {
            // mp_strerror's text for MP_EPROTO speaks of the daemon.
            return f.write_str("MP_EPROTO: not an edit set, or a damaged or truncated one");
        }
        // SAFETY: mp_strerror takes any int and returns a pointer to a
        // static NUL-terminated string (meshpool.h), never NULL.
        let text = unsafe { CStr::from_ptr(ffi::mp_strerror(self.code())) };
        f.write_str(&text.to_string_lossy())?;
        match *self {
            Error::Invalid(Some(problem)) => write!(f, ": {problem}"),
            Error::Io(Some(errno)) => {
                write!(f, ": {}", std::io::Error::from_raw_os_error(errno))
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

/// Why [`Client::connect`](crate::Client::connect) failed: the [`Error`]
/// (`NotFound`, `PermissionDenied`, `Protocol`, `Again`, `TimedOut`, ...)
/// and the library's sentence naming the sockets it tried and what each
/// said (`mp_connect_problem`). `Display` shows both; `?` into a function
/// returning `Result<_, Error>` keeps the error and drops the sentence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectError {
    error: Error,
    problem: Option<String>,
}

impl ConnectError {
    pub(crate) fn new(error: Error, problem: Option<String>) -> Self {
        ConnectError { error, problem }
    }

    /// The error code's meaning, to match on.
    pub fn error(&self) -> Error {
        self.error
    }

    /// The sockets tried and what each said, e.g. `meshpoold instance
    /// "demo" is not running (no socket at /run/user/1000/meshpool/demo)`.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Some(problem) => write!(f, "{}: {problem}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<ConnectError> for Error {
    fn from(e: ConnectError) -> Error {
        e.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Error; 12] = [
        Error::Again,
        Error::Invalid(None),
        Error::OutOfMemory,
        Error::Canceled,
        Error::TimedOut,
        Error::WorkerCrashed,
        Error::Shutdown,
        Error::NotFound,
        Error::PermissionDenied,
        Error::Disconnected,
        Error::Protocol,
        Error::Io(None),
    ];

    #[test]
    fn codes_round_trip() {
        for e in ALL {
            assert_eq!(Error::from_code(e.code()), e);
        }
        assert_eq!(Error::from_code(-99), Error::Unknown(-99));
        assert_eq!(Error::Unknown(-99).code(), -99);
        assert_eq!(Error::check(0), Ok(()));
        assert_eq!(Error::check(ffi::MP_EAGAIN), Err(Error::Again));
    }

    #[test]
    fn display_is_mp_strerror() {
        // Each message names its own code, as the C library spells it.
        let names = [
            "MP_EAGAIN",
            "MP_EINVAL",
            "MP_ENOMEM",
            "MP_ECANCELED",
            "MP_ETIMEDOUT",
            "MP_EWORKER",
            "MP_ESHUTDOWN",
            "MP_ENOENT",
            "MP_EPERM",
            "MP_EDISCONNECTED",
            "MP_EPROTO",
            "MP_EIO",
        ];
        for (e, name) in ALL.into_iter().zip(names) {
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("{name}: ")),
                "{e:?} displays {text:?}"
            );
        }
        assert_eq!(
            Error::Invalid(None).to_string(),
            "MP_EINVAL: invalid request or argument"
        );
        assert_eq!(
            Error::Disconnected.to_string(),
            "MP_EDISCONNECTED: daemon went away"
        );
        assert_eq!(Error::Unknown(-99).to_string(), "unknown meshpool error");
    }

    #[test]
    fn details_keep_the_code_and_show_in_display() {
        let e = Error::Invalid(Some("priority above 3"));
        assert_eq!(e.code(), ffi::MP_EINVAL);
        assert_eq!(e.problem(), Some("priority above 3"));
        assert_eq!(
            e.to_string(),
            "MP_EINVAL: invalid request or argument: priority above 3"
        );
        assert_ne!(e, Error::Invalid(None));
        assert_eq!(Error::Again.problem(), None);

        // A file error: its errno, in the system's words.
        let e = Error::Io(Some(2));
        assert_eq!((e.code(), e.raw_os_error()), (ffi::MP_EIO, Some(2)));
        let text = e.to_string();
        assert!(text.starts_with("MP_EIO: "), "{text}");
        assert!(
            text.ends_with(&std::io::Error::from_raw_os_error(2).to_string()),
            "{text}"
        );
        assert_eq!(Error::Io(None).raw_os_error(), None);

        // MP_EPROTO from a file of edits is not a protocol mismatch.
        assert_eq!(Error::BadEditFile.code(), ffi::MP_EPROTO);
        assert_ne!(Error::BadEditFile, Error::Protocol);
        assert_eq!(Error::from_code(ffi::MP_EPROTO), Error::Protocol);
        assert!(Error::BadEditFile.to_string().contains("edit set"));
        assert!(!Error::BadEditFile.to_string().contains("ABI"));
    }

    #[test]
    fn a_connect_error_shows_its_sentence() {
        let e = ConnectError::new(Error::NotFound, Some("no socket at /x".into()));
        assert_eq!(e.error(), Error::NotFound);
        assert_eq!(e.problem(), Some("no socket at /x"));
        assert_eq!(
            e.to_string(),
            format!("{}: no socket at /x", Error::NotFound)
        );
        assert_eq!(Error::from(e), Error::NotFound);
        let bare = ConnectError::new(Error::Again, None);
        assert_eq!(bare.to_string(), Error::Again.to_string());
    }
}
