//! log backend
