//! SMTP alert state machine.
