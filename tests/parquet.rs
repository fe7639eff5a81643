//! `[output] formats = ["csv", "parquet"]`: every table also as `<table>.parquet`, read back
//! with polars and compared cell by cell with its CSV, and its columns typed (Int64 counts,
//! Float64 statistics, UTF-8 text).

mod common;

use std::fs::File;

use common::*;
use newsprism::write::TABLE_FILES;
use polars::prelude::*;

#[test]
fn every_table_as_parquet_reads_back_as_its_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("parquet.toml");
    let text = shipped_config_relocated().replacen(
        "[[topics]]",
        "[output]\nformats = [\"csv\", \"parquet\"]\n\n[[topics]]",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    for table in TABLE_FILES {
        let parquet_path = out.join(table.replace(".csv", ".parquet"));
        let df = ParquetReader::new(File::open(&parquet_path).unwrap())
            .finish()
            .unwrap_or_else(|e| panic!("{}: {e}", parquet_path.display()));
        let mut csv = csv::Reader::from_path(out.join(table)).unwrap();
        let headers: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, headers, "{table}: columns");
        assert_eq!(df.height(), rows.len(), "{table}: rows");
        for (c, column) in df.columns().iter().enumerate() {
            let dtype = column.dtype();
            assert!(
                matches!(
                    dtype,
                    DataType::Int64 | DataType::Float64 | DataType::String
                ),
                "{table}.{}: {dtype}",
                headers[c]
            );
            for (r, row) in rows.iter().enumerate() {
                let cell = &row[c];
                let value = column.get(r).unwrap();
                let same = match value {
                    AnyValue::Null => cell.is_empty(),
                    AnyValue::Int64(v) => cell.parse::<i64>() == Ok(v),
                    AnyValue::Float64(v) => cell
                        .parse::<f64>()
                        .is_ok_and(|x| x == v || (x.is_nan() && v.is_nan())),
                    AnyValue::String(s) => s == cell,
                    AnyValue::StringOwned(ref s) => s.as_str() == cell,
                    ref other => panic!("{table}.{}: unexpected {other:?}", headers[c]),
                };
                assert!(
                    same,
                    "{table}.{} row {r}: parquet {value:?}, csv {cell:?}",
                    headers[c]
                );
            }
        }
    }
    // counts and statistics are typed, not text
    let groups = ParquetReader::new(File::open(out.join("groups.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(groups.column("articles").unwrap().dtype(), &DataType::Int64);
    assert_eq!(
        groups.column("share_copies").unwrap().dtype(),
        &DataType::Float64
    );
    assert_eq!(groups.column("outlet").unwrap().dtype(), &DataType::String);
}
