//! The tasks extension (`io.modelcontextprotocol/tasks`) on the client: declare it, start a tool
//! call as a task, poll it, answer its input requests with the client's own handlers, cancel it.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{era, Client, ClientBuilder, ClientError};
use crate::jsonrpc::ErrorObject;
use crate::protocol::{CallToolResult, TaskStatus, TASKS_EXTENSION};

/// The `extensions` member of the client's capabilities, when it declares tasks.
pub(crate) fn declared(tasks: bool) -> Map<String, Value> {
    let mut extra = Map::new();
    if tasks {
        extra.insert("extensions".into(), json!({ TASKS_EXTENSION: {} }));
    }
    extra
}

/// A task as the server describes it (`CreateTaskResult`, or `tasks/get`'s `DetailedTask`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub task_id: String,
    /// Where it is in its life.
    pub status: TaskStatus,
    /// A note on the status, if the server gave one.
    #[serde(default)]
    pub status_message: Option<String>,
    /// How long the server keeps it, in milliseconds (`None`: no limit given).
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// How often the server suggests polling, in milliseconds.
    #[serde(default)]
    pub poll_interval_ms: Option<u64>,
    /// The tool's result, once `completed`.
    #[serde(default)]
    pub result: Option<CallToolResult>,
    /// The error, once `failed`.
    #[serde(default)]
    pub error: Option<ErrorObject>,
    /// What the task waits for while `input_required`, by key.
    #[serde(default)]
    pub input_requests: Map<String, Value>,
}

/// What a [`Client::call_tool_as_task`] started.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolCall {
    /// The tool runs as a task: poll it with [`Client::get_task`] or wait for it with
    /// [`Client::wait_for_task`].
    Task(TaskInfo),
    /// The server answered at once (the tool does not run as a task, or finished already).
    Done(CallToolResult),
}

impl ClientBuilder {
    /// Declare the tasks extension (`io.modelcontextprotocol/tasks`), so that servers may run
    /// task-supporting tools as tasks for this client (see [`Client::call_tool_as_task`]).
    pub fn tasks(mut self) -> Self {
        self.handlers.tasks = true;
        self
    }
}

fn decode<T: serde::de::DeserializeOwned>(method: &str, v: Value) -> Result<T, ClientError> {
    serde_json::from_value(v).map_err(|e| ClientError::InvalidResponse {
        method: method.to_owned(),
        reason: e.to_string(),
    })
}

impl Client {
    /// Call a tool that may run as a task (the client must declare the extension with
    /// [`ClientBuilder::tasks`]): the server answers at once with the task, or with the result.
    pub async fn call_tool_as_task(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<ToolCall, ClientError> {
        let arguments = if arguments.is_null() {
            json!({})
        } else {
            arguments
        };
        let v = self
            .request("tools/call", json!({"name": name, "arguments": arguments}))
            .await?;
        if v.get("resultType").and_then(Value::as_str) == Some("task") {
            Ok(ToolCall::Task(decode("tools/call", v)?))
        } else {
            Ok(ToolCall::Done(decode("tools/call", v)?))
        }
    }

    /// `tasks/get`: the task's status, with its result, error or input requests.
    pub async fn get_task(&self, task_id: &str) -> Result<TaskInfo, ClientError> {
        let v = self
            .request("tasks/get", json!({ "taskId": task_id }))
            .await?;
        decode("tasks/get", v)
    }

    /// `tasks/update`: answer some of the task's input requests, by key.
    pub async fn update_task(
        &self,
        task_id: &str,
        responses: Map<String, Value>,
    ) -> Result<(), ClientError> {
        self.request(
            "tasks/update",
            json!({ "taskId": task_id, "inputResponses": responses }),
        )
        .await
        .map(drop)
    }

    /// `tasks/cancel`.
    pub async fn cancel_task(&self, task_id: &str) -> Result<(), ClientError> {
        self.request("tasks/cancel", json!({ "taskId": task_id }))
            .await
            .map(drop)
    }

    /// Poll the task (at the server's suggested interval, between 10 ms and 5 s) until it ends,
    /// answering its input requests with this client's handlers (sampling, elicitation, roots)
    /// as they come. A `failed` task is [`ClientError::Rpc`] with the task's error; a
    /// `cancelled` one is [`ClientError::InvalidResponse`] saying so.
    pub async fn wait_for_task(&self, task_id: &str) -> Result<CallToolResult, ClientError> {
        loop {
            let task = self.get_task(task_id).await?;
            match task.status {
                TaskStatus::Completed => {
                    return task.result.ok_or_else(|| ClientError::InvalidResponse {
                        method: "tasks/get".into(),
                        reason: "a completed task without a `result`".into(),
                    })
                }
                TaskStatus::Failed => {
                    return Err(ClientError::Rpc {
                        method: "tools/call".into(),
                        error: task
                            .error
                            .unwrap_or_else(|| ErrorObject::internal("the task failed")),
                    })
                }
                TaskStatus::Cancelled => {
                    return Err(ClientError::InvalidResponse {
                        method: "tasks/get".into(),
                        reason: format!("task `{task_id}` was cancelled"),
                    })
                }
                TaskStatus::InputRequired if !task.input_requests.is_empty() => {
                    let responses =
                        era::fulfil(&self.link.connection, "tasks/get", task.input_requests)
                            .await?;
                    self.update_task(task_id, responses).await?;
                }
                TaskStatus::InputRequired | TaskStatus::Working => {
                    let ms = task.poll_interval_ms.unwrap_or(500).clamp(10, 5_000);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
            }
        }
    }
}
