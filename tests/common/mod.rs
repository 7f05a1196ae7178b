//! A PostgreSQL database of its own per test, from `PMD_TEST_DATABASE_URL` (a superuser URL);
//! without it the tests fail on purpose: CI always sets it, and a silent skip would hide a
//! broken catalog reader.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::{Client, Config, NoTls};

pub fn server_config() -> Config {
    let url = std::env::var("PMD_TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "PMD_TEST_DATABASE_URL is not set: the catalog tests need a PostgreSQL superuser URL, \
         e.g. PMD_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres"
    );
    // Prisma-style parameters (schema=, ...) mean nothing to tokio-postgres: drop the query.
    url.parse()
        .or_else(|_| url.split('?').next().unwrap_or_default().parse())
        .expect("PMD_TEST_DATABASE_URL is not a valid postgresql:// URL")
}

pub async fn connect(config: &Config) -> Client {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .expect("cannot connect to PMD_TEST_DATABASE_URL");
    tokio::spawn(connection);
    client
}

/// A database of its own for one test, dropped by `finish`.
pub struct TestDb {
    admin: Client,
    pub name: String,
    pub client: Client,
}

impl TestDb {
    pub async fn new(tag: &str) -> TestDb {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let config = server_config();
        let admin = connect(&config).await;
        let name = format!(
            "pmd_evidence_{tag}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let mut config = config;
        config.dbname(&name);
        let client = connect(&config).await;
        TestDb {
            admin,
            name,
            client,
        }
    }

    pub async fn finish(self) {
        drop(self.client);
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        self.admin.batch_execute(&sql).await.unwrap();
    }
}
