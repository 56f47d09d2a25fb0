//! SMTP socket driver.
