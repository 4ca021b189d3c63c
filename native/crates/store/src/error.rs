use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("store I/O: {0}")]
    Db(String),
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    #[error("block {got} does not follow the head {head:?}")]
    NotNext { head: Option<u64>, got: u64 },
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(error: $t) -> Self {
                StoreError::Db(error.to_string())
            }
        }
    )*};
}
from_redb!(redb::Error, redb::DatabaseError, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);
