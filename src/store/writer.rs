//! The single writer: one task owns the write connection and runs each job in a transaction,
//! so writes never contend with each other and a failed job leaves nothing behind.

use std::future::Future;
use std::pin::Pin;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{Result, StoreError};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, ()> + Send>;

/// Jobs queued beyond this make senders wait: back-pressure for a sync that outruns the disk.
const QUEUE: usize = 64;

pub struct Writer {
    jobs: mpsc::Sender<Job>,
    task: JoinHandle<()>,
}

fn job<F>(f: F) -> Job
where
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, ()> + Send + 'static,
{
    Box::new(f)
}

impl Writer {
    pub(super) fn spawn(mut conn: SqliteConnection) -> Self {
        let (jobs, mut rx) = mpsc::channel::<Job>(QUEUE);
        let task = tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                job(&mut conn).await;
            }
            // Closing the last connection checkpoints the WAL into the main file.
            if let Err(e) = conn.close().await {
                tracing::warn!("closing the write connection: {e}");
            }
        });
        Self { jobs, task }
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work = job(move |conn| {
            Box::pin(async move {
                let result = in_transaction(conn, f).await;
                // The caller may have gone away (a cancelled sync); the outcome stands anyway.
                let _ = reply.send(result);
            })
        });
        self.jobs
            .send(work)
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Finishes queued jobs, then closes the connection.
    pub async fn shutdown(self) -> Result<()> {
        drop(self.jobs);
        self.task.await.map_err(|_| StoreError::WriterGone)
    }
}

async fn in_transaction<T, F>(conn: &mut SqliteConnection, f: F) -> Result<T>
where
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>>,
{
    let mut tx = conn.begin().await?;
    match f(&mut tx).await {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::error!("rollback failed after {e}: {rollback}");
            }
            Err(e)
        }
    }
}
