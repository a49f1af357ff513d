//! The schemas of the built-in services (blueprints/microservices/functions/
//! {users,orders}): their component schemas and what each operation takes
//! and returns, for the OpenAPI document.

use serde_json::{json, Value as Json};

/// The component schemas of the built-in services, by name.
pub fn builtin_schemas() -> Vec<(&'static str, Json)> {
    let date_time = json!({"type": "string", "format": "date-time"});
    let user_fields = json!({
        "name": {"type": "string", "minLength": 1, "maxLength": 200,
                 "description": "Trimmed of surrounding spaces"},
        "email": {"type": "string", "format": "email", "maxLength": 254,
                  "description": "Stored in lowercase"}
    });
    let mut user = user_fields.clone();
    user["id"] = json!({"type": "string", "format": "uuid"});
    user["createdAt"] = date_time.clone();
    user["updatedAt"] = date_time.clone();
    let item = json!({
        "type": "object",
        "properties": {
            "sku": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000},
            "price": {"type": "number", "minimum": 0,
                      "description": "Unit price, rounded to cents"}
        },
        "required": ["sku", "quantity", "price"],
        "additionalProperties": false
    });
    vec![
        (
            "Error",
            json!({"type": "object",
                "description": "An error: the service's functions answer `error`, API Gateway itself `message` (throttling, authorization, request validation)",
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                "additionalProperties": false}),
        ),
        (
            "Order",
            json!({"type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "userId": {"type": "string", "minLength": 1, "maxLength": 128},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/OrderItem"},
                              "minItems": 1, "maxItems": 100},
                    "total": {"type": "number", "minimum": 0},
                    "status": {"type": "string", "enum": ["pending", "paid", "cancelled"]},
                    "createdAt": date_time.clone(),
                    "updatedAt": date_time
                },
                "required": ["id", "userId", "items", "total", "status", "createdAt", "updatedAt"],
                "additionalProperties": false}),
        ),
        (
            "OrderInput",
            json!({"type": "object",
                "properties": {
                    "userId": {"type": "string", "minLength": 1, "maxLength": 128},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/OrderItem"},
                              "minItems": 1, "maxItems": 100}
                },
                "required": ["userId", "items"],
                "additionalProperties": false}),
        ),
        ("OrderItem", item),
        (
            "OrderList",
            json!({"type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}},
                "required": ["items"], "additionalProperties": false}),
        ),
        (
            "User",
            json!({"type": "object", "properties": user,
                "required": ["id", "name", "email", "createdAt", "updatedAt"],
                "additionalProperties": false}),
        ),
        (
            "UserInput",
            json!({"type": "object", "properties": user_fields.clone(),
                "required": ["name", "email"], "additionalProperties": false}),
        ),
        (
            "UserList",
            json!({"type": "object",
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                    "nextToken": {"type": "string", "nullable": true,
                                  "description": "Pass as `nextToken` for the next page; null on the last"}
                },
                "required": ["items", "nextToken"], "additionalProperties": false}),
        ),
        (
            "UserUpdate",
            json!({"type": "object", "properties": user_fields,
                "minProperties": 1, "additionalProperties": false}),
        ),
    ]
}

/// The names of [`builtin_schemas`].
pub fn builtin_names() -> &'static [&'static str] {
    &[
        "Error",
        "Order",
        "OrderInput",
        "OrderItem",
        "OrderList",
        "User",
        "UserInput",
        "UserList",
        "UserUpdate",
    ]
}

/// What the built-in handler of a route documents.
pub struct BuiltinOperation {
    pub query: Vec<Json>,
    /// The request body's schema name.
    pub request: Option<&'static str>,
    /// The success status and its body's schema name (none: no body).
    pub success: (u16, Option<&'static str>),
    /// The error statuses the handler answers for this route.
    pub errors: &'static [u16],
}

/// The built-in handler `code` (`users` or `orders`) for `method` on a
/// route whose path is `/` (`item` false) or `/{id}` (`item` true).
pub fn builtin_operation(code: &str, method: &str, item: bool) -> Option<BuiltinOperation> {
    let limit = json!({"name": "limit", "in": "query", "required": false,
        "description": "How many items to return",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}});
    let op = |request, success, errors| {
        Some(BuiltinOperation {
            query: Vec::new(),
            request,
            success,
            errors,
        })
    };
    match (code, method, item) {
        ("users", "GET", false) => Some(BuiltinOperation {
            query: vec![
                limit,
                json!({"name": "nextToken", "in": "query", "required": false,
                    "description": "The `nextToken` of the previous page",
                    "schema": {"type": "string"}}),
            ],
            request: None,
            success: (200, Some("UserList")),
            errors: &[400],
        }),
        ("users", "POST", false) => op(Some("UserInput"), (201, Some("User")), &[400]),
        ("users", "GET", true) => op(None, (200, Some("User")), &[404]),
        ("users", "PUT", true) => op(Some("UserUpdate"), (200, Some("User")), &[400, 404]),
        ("users", "DELETE", true) | ("orders", "DELETE", true) => op(None, (204, None), &[404]),
        ("orders", "GET", false) => Some(BuiltinOperation {
            query: vec![
                json!({"name": "userId", "in": "query", "required": false,
                    "description": "Only this user's orders",
                    "schema": {"type": "string"}}),
                limit,
            ],
            request: None,
            success: (200, Some("OrderList")),
            errors: &[400],
        }),
        ("orders", "POST", false) => op(Some("OrderInput"), (201, Some("Order")), &[400]),
        ("orders", "GET", true) => op(None, (200, Some("Order")), &[404]),
        _ => None,
    }
}

/// The reason phrase of a status, for response descriptions.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Response",
    }
}
