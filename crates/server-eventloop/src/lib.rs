//! server-eventloop
