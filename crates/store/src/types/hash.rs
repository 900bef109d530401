//! The hash value type.

/// A hash value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hash {}

impl Hash {
    /// The encoding OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }

    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
