//! Backups and restores complete by construction (hubops): every table is found in the database
//! catalogue (PostgreSQL's `pg_class`, SQLite's `sqlite_schema`) and copied column by column as
//! the catalogue describes it, so a table or column a later migration adds is in the next backup
//! without anyone remembering to list it. A table the other side does not have is an error, never
//! a silent gap.
//!
//! `schema_migrations` is not copied: the side being written is brought up to date by this
//! build's own migrations first, so both sides have the same steps.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, TypeInfo, ValueRef};

use std::path::Path;

use super::{AnyStore, SqliteStore, StoreError};

/// Rows copied per query, so a large database is never held in memory at once.
const PAGE: i64 = 500;
/// Not copied: each side's own record of its migrations.
const MIGRATIONS_TABLE: &str = "schema_migrations";

/// A table as a catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Table {
    /// Its name.
    pub name: String,
    /// Its columns in order, each with its PostgreSQL type (`format_type`), or SQLite's declared
    /// type.
    pub columns: Vec<(String, String)>,
}

/// One value of any column.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

fn copy_error(what: String) -> StoreError {
    StoreError::Copy(what)
}

/// `"name"`, safe for any identifier.
fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|(name, _)| quoted(name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The tables to copy: all but the migrations' record.
fn copied(tables: Vec<Table>) -> Vec<Table> {
    tables
        .into_iter()
        .filter(|t| t.name != MIGRATIONS_TABLE)
        .collect()
}

/// Every table of `from` must be in `to` with every column, or nothing is copied.
fn check_fits(from: &[Table], to: &[Table], to_what: &str) -> Result<(), StoreError> {
    for table in from {
        let Some(target) = to.iter().find(|t| t.name == table.name) else {
            return Err(copy_error(format!(
                "table {} is not in the {to_what}: it was made by another version of the hub",
                table.name
            )));
        };
        let missing: Vec<&str> = table
            .columns
            .iter()
            .filter(|(name, _)| !target.columns.iter().any(|(n, _)| n == name))
            .map(|(name, _)| name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(copy_error(format!(
                "table {} in the {to_what} has no column {}",
                table.name,
                missing.join(", ")
            )));
        }
    }
    Ok(())
}

/// `tables` with each after every table its foreign keys name (`depends`: table → named
/// tables), so PostgreSQL, which checks a foreign key at each insert, accepts every row.
fn in_dependency_order(
    mut tables: Vec<Table>,
    depends: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Table> {
    let mut ordered: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables.iter().position(|t| {
            depends.get(&t.name).is_none_or(|named| {
                named
                    .iter()
                    .all(|n| *n == t.name || ordered.iter().any(|o| o.name == *n))
            })
        });
        // A cycle (none in the hub's schema) keeps its catalogue order.
        ordered.push(tables.remove(ready.unwrap_or(0)));
    }
    ordered
}

/// Every table of the PostgreSQL schema in use, in dependency order.
pub(super) async fn postgres_tables(
    conn: &mut sqlx::PgConnection,
) -> Result<Vec<Table>, StoreError> {
    let schema = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())";
    let names: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT relname::text FROM pg_class WHERE relnamespace = {schema} AND relkind IN ('r', 'p') ORDER BY relname"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let columns: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid \
             WHERE c.relnamespace = {schema} AND c.relname = $1 AND a.attnum > 0 \
             AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum"
        ))
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        tables.push(Table { name, columns });
    }
    let keys: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT c.relname::text, f.relname::text FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid \
         WHERE k.contype = 'f' AND c.relnamespace = {schema}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut depends: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, named) in keys {
        depends.entry(table).or_default().insert(named);
    }
    Ok(in_dependency_order(tables, &depends))
}

/// Every table of a SQLite database.
pub(super) async fn sqlite_tables(
    conn: &mut sqlx::SqliteConnection,
) -> Result<Vec<Table>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let columns: Vec<(String, String)> =
            sqlx::query_as("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        tables.push(Table { name, columns });
    }
    Ok(tables)
}

/// How a PostgreSQL column is read: as a 64-bit integer, a double, bytes or text.
fn postgres_read_expression(column: &str, pg_type: &str) -> String {
    let column = quoted(column);
    match pg_type {
        "smallint" | "integer" | "bigint" => format!("{column}::bigint"),
        "boolean" => format!("{column}::int::bigint"),
        "real" | "double precision" => format!("{column}::float8"),
        "bytea" => column,
        _ => format!("{column}::text"),
    }
}

fn postgres_value(row: &PgRow, index: usize, pg_type: &str) -> Result<Value, sqlx::Error> {
    Ok(match pg_type {
        "smallint" | "integer" | "bigint" | "boolean" => {
            row.try_get::<Option<i64>, _>(index)?.map(Value::Int)
        }
        "real" | "double precision" => row.try_get::<Option<f64>, _>(index)?.map(Value::Real),
        "bytea" => row.try_get::<Option<Vec<u8>>, _>(index)?.map(Value::Bytes),
        _ => row.try_get::<Option<String>, _>(index)?.map(Value::Text),
    }
    .unwrap_or(Value::Null))
}

fn sqlite_value(row: &SqliteRow, index: usize) -> Result<Value, sqlx::Error> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INTEGER" | "BOOLEAN" => Value::Int(row.try_get(index)?),
        "REAL" => Value::Real(row.try_get(index)?),
        "BLOB" => Value::Bytes(row.try_get(index)?),
        _ => Value::Text(row.try_get(index)?),
    })
}

async fn insert_sqlite(
    conn: &mut sqlx::SqliteConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quoted(&table.name),
        column_list(table),
        vec!["?"; table.columns.len()].join(", ")
    );
    for row in rows {
        let mut query = sqlx::query(&sql);
        for value in row {
            query = match value {
                Value::Null => query.bind(None::<String>),
                Value::Int(n) => query.bind(*n),
                Value::Real(x) => query.bind(*x),
                Value::Text(text) => query.bind(text.as_str()),
                Value::Bytes(bytes) => query.bind(bytes.as_slice()),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_postgres(
    conn: &mut sqlx::PgConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    // Each value is sent as text (bytes as bytes) and cast to the column's own type, so any type
    // PostgreSQL can read from text is restored as it was.
    let values = table
        .columns
        .iter()
        .enumerate()
        .map(|(n, (_, pg_type))| match pg_type.as_str() {
            "bytea" => format!("${}", n + 1),
            _ => format!("CAST(${} AS {pg_type})", n + 1),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({values})",
        quoted(&table.name),
        column_list(table)
    );
    for row in rows {
        let mut query = sqlx::query(&sql);
        for (value, (_, pg_type)) in row.iter().zip(&table.columns) {
            query = match (value, pg_type.as_str()) {
                (Value::Null, "bytea") => query.bind(None::<Vec<u8>>),
                (Value::Null, _) => query.bind(None::<String>),
                (Value::Bytes(bytes), "bytea") => query.bind(bytes.clone()),
                (Value::Bytes(bytes), _) => query.bind(String::from_utf8_lossy(bytes).into_owned()),
                (Value::Int(n), _) => query.bind(n.to_string()),
                (Value::Real(x), _) => query.bind(x.to_string()),
                (Value::Text(text), "bytea") => query.bind(text.clone().into_bytes()),
                (Value::Text(text), _) => query.bind(text.clone()),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Copies every table of a PostgreSQL snapshot (the caller's transaction) into `target`, a
/// SQLite database with this build's schema (the caller's transaction, committed by the caller).
pub(super) async fn postgres_to_sqlite(
    source: &mut sqlx::PgConnection,
    target: &mut sqlx::SqliteConnection,
) -> Result<(), StoreError> {
    // Foreign keys are checked at the commit, once every table is in.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *target)
        .await?;
    let tables = copied(postgres_tables(source).await?);
    check_fits(&tables, &sqlite_tables(target).await?, "backup's schema")?;
    for table in &tables {
        let select = table
            .columns
            .iter()
            .map(|(name, pg_type)| postgres_read_expression(name, pg_type))
            .collect::<Vec<_>>()
            .join(", ");
        // A cursor inside the snapshot: the table is read page by page from one consistent
        // state.
        sqlx::query(&format!(
            "DECLARE sg_copy NO SCROLL CURSOR FOR SELECT {select} FROM {}",
            quoted(&table.name)
        ))
        .execute(&mut *source)
        .await?;
        loop {
            // Not a cached statement: the same text fetches each table's own columns.
            let page: Vec<PgRow> = sqlx::query(&format!("FETCH {PAGE} FROM sg_copy"))
                .persistent(false)
                .fetch_all(&mut *source)
                .await?;
            if page.is_empty() {
                break;
            }
            let rows = page
                .iter()
                .map(|row| {
                    (0..table.columns.len())
                        .map(|i| postgres_value(row, i, &table.columns[i].1))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            insert_sqlite(target, table, &rows).await?;
        }
        sqlx::query("CLOSE sg_copy").execute(&mut *source).await?;
    }
    Ok(())
}

/// Where a restore writes.
pub(super) enum RestoreTarget<'c> {
    /// A SQLite hub's database (inside the caller's transaction).
    Sqlite(&'c mut sqlx::SqliteConnection),
    /// A PostgreSQL database (inside the caller's transaction).
    Postgres(&'c mut sqlx::PgConnection),
}

impl RestoreTarget<'_> {
    /// Its tables (in the order to fill them), foreign keys deferred where the database can.
    async fn prepare(&mut self) -> Result<Vec<Table>, StoreError> {
        Ok(copied(match self {
            Self::Sqlite(conn) => {
                // Checked at the commit, once every table is in.
                sqlx::query("PRAGMA defer_foreign_keys = ON")
                    .execute(&mut **conn)
                    .await?;
                sqlite_tables(conn).await?
            }
            // PostgreSQL checks each insert: its order puts each table after those it names.
            Self::Postgres(conn) => postgres_tables(conn).await?,
        }))
    }

    async fn count(&mut self, table: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", quoted(table));
        Ok(match self {
            Self::Sqlite(conn) => sqlx::query_scalar(&sql).fetch_one(&mut **conn).await?,
            Self::Postgres(conn) => sqlx::query_scalar(&sql).fetch_one(&mut **conn).await?,
        })
    }

    async fn insert(&mut self, table: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(conn) => insert_sqlite(conn, table, rows).await,
            Self::Postgres(conn) => insert_postgres(conn, table, rows).await,
        }
    }
}

/// Copies every table of a backup (`source`, a SQLite database with this build's schema) into an
/// empty hub database; refuses a database that holds anything. How many rows it copied.
pub(super) async fn restore(
    source: &mut sqlx::SqliteConnection,
    mut target: RestoreTarget<'_>,
) -> Result<u64, StoreError> {
    let tables = copied(sqlite_tables(source).await?);
    let existing = target.prepare().await?;
    check_fits(&tables, &existing, "hub's database")?;
    for table in &existing {
        refuse_if_not_empty(target.count(&table.name).await?, &table.name)?;
    }
    let mut total = 0_u64;
    for target_table in &existing {
        let Some(table) = tables.iter().find(|t| t.name == target_table.name) else {
            continue;
        };
        let table = same_columns(table, &existing);
        let mut after = i64::MIN;
        loop {
            let (rows, last) = sqlite_page(source, &table, after).await?;
            if rows.is_empty() {
                break;
            }
            after = last;
            total += rows.len() as u64;
            target.insert(&table, &rows).await?;
        }
    }
    Ok(total)
}

/// `table`'s columns, with the types the target gives them.
fn same_columns(table: &Table, target: &[Table]) -> Table {
    let target = target.iter().find(|t| t.name == table.name);
    Table {
        name: table.name.clone(),
        columns: table
            .columns
            .iter()
            .map(|(name, declared)| {
                let kind = target
                    .and_then(|t| t.columns.iter().find(|(n, _)| n == name))
                    .map_or(declared.clone(), |(_, kind)| kind.clone());
                (name.clone(), kind)
            })
            .collect(),
    }
}

fn refuse_if_not_empty(rows: i64, table: &str) -> Result<(), StoreError> {
    if rows > 0 {
        return Err(copy_error(format!(
            "the hub's database already holds data ({rows} rows in {table}): restore only into a new, empty database"
        )));
    }
    Ok(())
}

/// The page of `table`'s rows after `rowid` `after`, read from a SQLite database, and the last
/// `rowid` in it.
async fn sqlite_page(
    source: &mut sqlx::SqliteConnection,
    table: &Table,
    after: i64,
) -> Result<(Vec<Vec<Value>>, i64), StoreError> {
    let sql = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ? ORDER BY rowid LIMIT {PAGE}",
        column_list(table),
        quoted(&table.name)
    );
    let page: Vec<SqliteRow> = sqlx::query(&sql)
        .bind(after)
        .fetch_all(&mut *source)
        .await?;
    let last = match page.last() {
        Some(row) => row.try_get(0)?,
        None => after,
    };
    let rows = page
        .iter()
        .map(|row| {
            (1..=table.columns.len())
                .map(|i| sqlite_value(row, i))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, last))
}

/// Moves every identity column's sequence past the rows a restore wrote with their own values,
/// so the restored hub's next row does not collide with a copied one (found from the catalogue,
/// like the tables themselves).
async fn advance_identities(tx: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, column) in identities {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({}), 0) + 1, false) FROM {}",
            quoted(&column),
            quoted(&table)
        ))
        .bind(quoted(&table))
        .bind(&column)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl AnyStore {
    /// Restores a backup file (`backup --to`, from either back end) into this database, which
    /// must be empty (migrated, nothing in it); how many rows. The backup is brought up to this
    /// build's schema in a copy beside it (`FILE.restoring`, removed after), never changed itself.
    pub async fn restore_from(&self, backup: &Path) -> Result<u64, StoreError> {
        let io = |what: &Path| {
            let what = what.display().to_string();
            move |e| StoreError::Io(what, e)
        };
        std::fs::metadata(backup).map_err(io(backup))?;
        let mut name = backup
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".restoring");
        let copy = backup.with_file_name(name);
        let leftovers = |copy: &Path| -> Result<(), StoreError> {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = copy.as_os_str().to_owned();
                path.push(suffix);
                super::sqlite::remove_if_present(Path::new(&path))?;
            }
            Ok(())
        };
        leftovers(&copy)?;
        std::fs::copy(backup, &copy).map_err(io(&copy))?;
        let result = async {
            let source = SqliteStore::open(&copy).await?;
            let mut from = source.pool.acquire().await?;
            let rows = match self {
                Self::Sqlite(store) => {
                    let mut tx = store.pool.begin_with("BEGIN IMMEDIATE").await?;
                    let rows = restore(&mut from, RestoreTarget::Sqlite(&mut tx)).await?;
                    tx.commit().await?;
                    rows
                }
                Self::Postgres(store) => {
                    let mut tx = store.pool.begin().await?;
                    let rows = restore(&mut from, RestoreTarget::Postgres(&mut tx)).await?;
                    advance_identities(&mut tx).await?;
                    tx.commit().await?;
                    rows
                }
            };
            drop(from);
            source.pool.close().await;
            Ok(rows)
        }
        .await;
        leftovers(&copy)?;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, columns: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: columns
                .iter()
                .map(|c| ((*c).to_owned(), "text".to_owned()))
                .collect(),
        }
    }

    #[test]
    fn tables_follow_those_their_foreign_keys_name() {
        let depends = BTreeMap::from([(
            "sessions".to_owned(),
            BTreeSet::from(["accounts".to_owned()]),
        )]);
        let order: Vec<String> = in_dependency_order(
            vec![
                table("sessions", &[]),
                table("accounts", &[]),
                table("reports", &[]),
            ],
            &depends,
        )
        .into_iter()
        .map(|t| t.name)
        .collect();
        assert_eq!(order, ["accounts", "sessions", "reports"]);
    }

    #[test]
    fn a_table_or_column_the_other_side_lacks_is_an_error() {
        let to = [table("reports", &["id", "body"])];
        assert!(check_fits(&[table("reports", &["id"])], &to, "backup").is_ok());
        assert!(check_fits(&[table("reports", &["id", "extra"])], &to, "backup").is_err());
        assert!(check_fits(&[table("new_table", &["id"])], &to, "backup").is_err());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
