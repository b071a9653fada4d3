//! The one error type of the print crate.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PrintError {
    /// The embedded font could not be parsed (a broken build, never user input).
    #[error("the embedded font could not be read")]
    Font,
    /// A template under `assets/templates/` does not match the expected shape.
    #[error("print template {name} is invalid: {message}")]
    Template { name: &'static str, message: String },
    /// A drawn signature is not a readable PNG image.
    #[error("the {whose} signature is not a readable PNG image: {message}")]
    Signature {
        whose: &'static str,
        message: String,
    },
    /// The QR code could not hold the contact data.
    #[error("the contact QR code could not be made: {0}")]
    QrCode(String),
    /// Nothing to print (e.g. an empty list of cards).
    #[error("nothing to print: {0}")]
    Empty(&'static str),
}

pub type Result<T> = std::result::Result<T, PrintError>;
