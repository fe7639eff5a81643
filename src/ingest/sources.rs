//! `sources.csv`: metadata per outlet (`outlet`, `country`, other columns ignored), joined
//! onto articles whose own metadata lacks it.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub struct Sources {
    country: HashMap<String, String>,
}

impl Sources {
    pub fn load(path: &Path) -> Result<Sources> {
        let fail = |msg: String| Error::config(format!("{}: {msg}", path.display()));
        let mut rdr = csv::Reader::from_path(path).map_err(|e| fail(e.to_string()))?;
        let headers = rdr.headers().map_err(|e| fail(e.to_string()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
        };
        let outlet = col("outlet").ok_or_else(|| fail("no `outlet` column".into()))?;
        let country = col("country").ok_or_else(|| fail("no `country` column".into()))?;
        let mut sources = Sources::default();
        for (i, row) in rdr.records().enumerate() {
            let row = row.map_err(|e| fail(format!("line {}: {e}", i + 2)))?;
            let (Some(o), Some(c)) = (row.get(outlet), row.get(country)) else {
                return Err(fail(format!("line {}: missing outlet or country", i + 2)));
            };
            sources
                .country
                .insert(o.trim().to_string(), c.trim().to_string());
        }
        Ok(sources)
    }

    pub fn country(&self, outlet: &str) -> Option<&str> {
        self.country.get(outlet).map(String::as_str)
    }
}
