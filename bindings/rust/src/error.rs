use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use crate::ffi;

/// A libmeshpool error code (`MP_E*`). Its `Display` is `mp_strerror`'s
/// text, so a message reads the same from C and from Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// `MP_EAGAIN`: a lane or the in-flight limit is full (poll, then
    /// submit again), or every client slot of the daemon is taken.
    Again,
    /// `MP_EINVAL`: a request field is out of range, a bad instance name,
    /// or a result without a live mesh.
    Invalid,
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
    /// `MP_EIO`: a system call failed unexpectedly.
    Io,
    /// A negative code this version of the crate does not know.
    Unknown(i32),
}

impl Error {
    /// The C code, `MP_E*`.
    pub fn code(self) -> i32 {
        match self {
            Error::Again => ffi::MP_EAGAIN,
            Error::Invalid => ffi::MP_EINVAL,
            Error::OutOfMemory => ffi::MP_ENOMEM,
            Error::Canceled => ffi::MP_ECANCELED,
            Error::TimedOut => ffi::MP_ETIMEDOUT,
            Error::WorkerCrashed => ffi::MP_EWORKER,
            Error::Shutdown => ffi::MP_ESHUTDOWN,
            Error::NotFound => ffi::MP_ENOENT,
            Error::PermissionDenied => ffi::MP_EPERM,
            Error::Disconnected => ffi::MP_EDISCONNECTED,
            Error::Protocol => ffi::MP_EPROTO,
            Error::Io => ffi::MP_EIO,
            Error::Unknown(code) => code,
        }
    }

    /// The error for a non-zero C code.
    pub fn from_code(code: i32) -> Error {
        match code {
            ffi::MP_EAGAIN => Error::Again,
            ffi::MP_EINVAL => Error::Invalid,
            ffi::MP_ENOMEM => Error::OutOfMemory,
            ffi::MP_ECANCELED => Error::Canceled,
            ffi::MP_ETIMEDOUT => Error::TimedOut,
            ffi::MP_EWORKER => Error::WorkerCrashed,
            ffi::MP_ESHUTDOWN => Error::Shutdown,
            ffi::MP_ENOENT => Error::NotFound,
            ffi::MP_EPERM => Error::PermissionDenied,
            ffi::MP_EDISCONNECTED => Error::Disconnected,
            ffi::MP_EPROTO => Error::Protocol,
            ffi::MP_EIO => Error::Io,
            other => Error::Unknown(other),
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
        // SAFETY: mp_strerror takes any int and returns a pointer to a
        // static NUL-terminated string (meshpool.h), never NULL.
        let text = unsafe { CStr::from_ptr(ffi::mp_strerror(self.code())) };
        f.write_str(&text.to_string_lossy())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Error; 12] = [
        Error::Again,
        Error::Invalid,
        Error::OutOfMemory,
        Error::Canceled,
        Error::TimedOut,
        Error::WorkerCrashed,
        Error::Shutdown,
        Error::NotFound,
        Error::PermissionDenied,
        Error::Disconnected,
        Error::Protocol,
        Error::Io,
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
            Error::Invalid.to_string(),
            "MP_EINVAL: invalid request or argument"
        );
        assert_eq!(
            Error::Disconnected.to_string(),
            "MP_EDISCONNECTED: daemon went away"
        );
        assert_eq!(Error::Unknown(-99).to_string(), "unknown meshpool error");
    }
}
