//! server-threaded
