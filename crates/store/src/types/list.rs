//! The list value type.

/// A list value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {}

impl List {
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
