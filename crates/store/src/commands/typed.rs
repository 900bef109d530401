//! Reaching a key's value as one collection type: the WRONGTYPE check, the read path that
//! counts keyspace hits, and the write path that creates a missing collection and deletes
//! one a command emptied. Written once here for lists, hashes, sets and sorted sets.

use bytes::Bytes;
use resp::Frame;

use crate::command::{CommandResult, Ctx};
use crate::error;
use crate::keyspace::KeyView;
use crate::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use crate::value::{Entry, Value};

/// A collection type stored in [`Value`]. Invariant: a stored collection is never empty.
pub(crate) trait Collection: Default {
    fn of(value: &Value) -> Option<&Self>;
    fn of_mut(value: &mut Value) -> Option<&mut Self>;
    fn into_value(self: Box<Self>) -> Value;
    fn is_empty(&self) -> bool;
}

macro_rules! collection {
    ($ty:ty, $variant:ident) => {
        impl Collection for $ty {
            fn of(value: &Value) -> Option<&Self> {
                match value {
                    Value::$variant(c) => Some(c),
                    _ => None,
                }
            }
            fn of_mut(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(c) => Some(c),
                    _ => None,
                }
            }
            fn into_value(self: Box<Self>) -> Value {
                Value::$variant(self)
            }
            fn is_empty(&self) -> bool {
                <$ty>::is_empty(self)
            }
        }
    };
}

collection!(List, List);
collection!(Hash, Hash);
collection!(Set, Set);
collection!(ZSet, ZSet);

/// The `T` held by `entry`: `None` for a missing key, WRONGTYPE for another type.
pub(crate) fn typed<T: Collection>(entry: Option<&Entry>) -> Result<Option<&T>, Frame> {
    match entry {
        None => Ok(None),
        Some(e) => T::of(&e.value).map(Some).ok_or_else(error::wrong_type),
    }
}

/// [`typed`] for changing the collection in place.
pub(crate) fn typed_mut<T: Collection>(value: Option<&mut Value>) -> Result<Option<&mut T>, Frame> {
    match value {
        None => Ok(None),
        Some(v) => T::of_mut(v).map(Some).ok_or_else(error::wrong_type),
    }
}

/// Runs a read-only command on the `T` at `key`, counting the lookup as Redis does.
pub(crate) fn read_typed<T: Collection>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl Fn(Option<&T>) -> CommandResult,
) -> CommandResult {
    let (hit, reply) = ctx.read_key(key, |kv, db| {
        let entry = kv.get(db, key);
        (entry.is_some(), typed::<T>(entry).and_then(&f))
    });
    ctx.lookup(hit);
    reply
}

/// Runs `f` on the `T` at `key` to change it. A missing key is `Ok(None)` without calling
/// `f`, unless `create` is set: then `f` gets a new collection, stored only if `f` leaves it
/// non-empty. A collection `f` empties is deleted with its key, even if `f` fails.
pub(crate) fn update_typed<T: Collection, R>(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    create: bool,
    f: impl FnOnce(&mut T) -> Result<R, Frame>,
) -> Result<Option<R>, Frame> {
    match typed_mut::<T>(kv.get_mut(db, key))? {
        Some(c) => {
            let result = f(c);
            if c.is_empty() {
                kv.remove(db, key);
            }
            result.map(Some)
        }
        None if !create => Ok(None),
        None => {
            let mut c = Box::<T>::default();
            let result = f(&mut c);
            if !c.is_empty() {
                kv.insert(db, key.clone(), Entry::new(c.into_value()));
            }
            result.map(Some)
        }
    }
}
