/// The OpenAPI 3.1 description of the HTTP API (SPEC §12), served at
/// `/openapi.json`. `APITests` keeps it in step with the router: every
/// operation it lists is routed, and every routed operation is listed.
public enum OpenAPIDocument {
    /// The operations the router serves, as (method, OpenAPI path).
    public static let operations: [(method: String, path: String)] = [
        ("get", "/healthz"), ("get", "/metrics"), ("get", "/openapi.json"), ("post", "/v1/events"),
        ("get", "/v1/deliveries"), ("get", "/v1/deliveries/{id}"), ("post", "/v1/deliveries/{id}/resend"),
        ("get", "/v1/work-orders/{id}/timeline"), ("get", "/v1/leads/{id}/timeline"), ("get", "/v1/csrs/{id}/timeline"),
        ("get", "/v1/rejects"), ("post", "/v1/rules/reload"),
    ]

    /// The methods (upper case) the API takes on `path`, e.g. `["GET"]` for
    /// `/v1/deliveries/01abc`; empty when no route has that path.
    public static func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var out: [String] = []
        for op in operations {
            let pattern = op.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == parts.count else { continue }
            if zip(pattern, parts).allSatisfy({ $0 == "{id}" || $0 == $1 }) { out.append(op.method.uppercased()) }
        }
        return out
    }

    /// The document, as JSON text.
    public static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Herald service API",
            "version": "1.1.0",
            "description": "herald serve (SPEC §12): event intake, delivery log, timelines, rejects, reload, health and metrics. Every /v1 route needs 'Authorization: Bearer TOKEN'. Errors are {\"error\": CODE, \"message\": TEXT}."
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
              "Error": {
                "type": "object", "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                               "diagnostics": {"type": "array", "items": {"type": "object"}}}
              },
              "Attempt": {
                "type": "object", "required": ["number", "started_at", "outcome"],
                "properties": {
                  "number": {"type": "integer"}, "started_at": {"type": "string"}, "finished_at": {"type": "string"},
                  "outcome": {"enum": ["started", "sent", "transient", "permanent", "interrupted"]},
                  "detail": {"type": "string"}
                }
              },
              "Delivery": {
                "type": "object",
                "required": ["id", "key", "rule", "event", "channel", "to", "send_at", "status", "attempt_count", "created_at", "updated_at"],
                "properties": {
                  "id": {"type": "string"}, "key": {"type": "string"}, "rule": {"type": "string"}, "event": {"type": "string"},
                  "channel": {"enum": ["email", "sms"]}, "to": {"type": "string"}, "send_at": {"type": "string"},
                  "due_at": {"type": "number"}, "scheduled_for": {"type": "number"},
                  "status": {"enum": ["scheduled", "sending", "sent", "retrying", "failed", "cancelled"]},
                  "reason": {"type": "string"}, "provider_id": {"type": "string"}, "attempt_count": {"type": "integer"},
                  "next_attempt_at": {"type": "string"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
                  "sent_at": {"type": "string"}, "resend_of": {"type": "string"}, "work_order": {"type": "string"},
                  "lead": {"type": "string"}, "csr": {"type": "string"}, "client": {"type": "string"},
                  "location": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"},
                  "html": {"type": "string"}, "reply_to": {"type": "string"}, "segments": {"type": "integer"},
                  "late": {"type": "boolean"},
                  "attachments": {"type": "array", "items": {"type": "object", "properties": {
                    "url": {"type": "string"}, "content_type": {"type": "string"}, "filename": {"type": "string"}}}},
                  "attempts": {"type": "array", "items": {"$ref": "#/components/schemas/Attempt"}}
                }
              },
              "DeliveryPage": {
                "type": "object", "required": ["items", "next_cursor"],
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
                               "next_cursor": {"type": ["string", "null"]}}
              },
              "Reject": {
                "type": "object", "required": ["id", "received_at", "reason", "raw"],
                "properties": {"id": {"type": "integer"}, "received_at": {"type": "string"}, "reason": {"type": "string"},
                               "message": {"type": "string"}, "event": {"type": "string"}, "line": {"type": "integer"},
                               "raw": {"type": "string"}}
              },
              "RejectPage": {
                "type": "object", "required": ["items", "next_cursor"],
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Reject"}},
                               "next_cursor": {"type": ["string", "null"]}}
              },
              "Timeline": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["kind", "at"],
                  "properties": {"kind": {"enum": ["event", "decision", "attempt", "delivery"]}, "at": {"type": "string"}}}}}
              },
              "Health": {
                "type": "object", "required": ["status", "rules"],
                "properties": {"status": {"type": "string"}, "rules": {"type": "string"},
                               "rules_mismatch": {"type": "boolean"}, "rules_in_store": {"type": "string"},
                               "message": {"type": "string"}}
              }
            },
            "parameters": {
              "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
              "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
              "cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}},
              "since": {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
              "until": {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}}
            },
            "responses": {
              "Unauthorized": {"description": "no or a wrong token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "BadRequest": {"description": "a bad parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "NotFound": {"description": "unknown id", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unavailable": {"description": "the store did not answer or could not commit; nothing was kept", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
          },
          "security": [{"bearer": []}],
          "paths": {
            "/healthz": {"get": {"security": [], "summary": "Health and the rules hash", "responses": {
              "200": {"description": "the store answers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
              "503": {"description": "the store does not answer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
            "/metrics": {"get": {"security": [], "summary": "Prometheus metrics", "responses": {
              "200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"security": [], "summary": "This document", "responses": {
              "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/v1/events": {"post": {"summary": "Take events (SPEC §12.2)",
              "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-ndjson": {"schema": {"type": "string"}}}},
              "responses": {
                "200": {"description": "the records, one JSON object per line, each send with its delivery id; committed before the reply", "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "413": {"description": "body over 16 MiB", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "415": {"description": "another content type", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/deliveries": {"get": {"summary": "The delivery log, newest first",
              "parameters": [
                {"name": "status", "in": "query", "schema": {"enum": ["scheduled", "sending", "sent", "retrying", "failed", "cancelled"]}},
                {"name": "channel", "in": "query", "schema": {"enum": ["email", "sms"]}},
                {"name": "rule", "in": "query", "schema": {"type": "string"}},
                {"name": "work_order", "in": "query", "schema": {"type": "string"}},
                {"name": "lead", "in": "query", "schema": {"type": "string"}},
                {"name": "csr", "in": "query", "schema": {"type": "string"}},
                {"name": "client", "in": "query", "schema": {"type": "string"}},
                {"name": "location", "in": "query", "schema": {"type": "string"}},
                {"$ref": "#/components/parameters/since"}, {"$ref": "#/components/parameters/until"},
                {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
              "responses": {
                "200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeliveryPage"}}}},
                "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"},
                "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/deliveries/{id}": {"get": {"summary": "One delivery with its attempts", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {
                "200": {"description": "the delivery", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"},
                "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/deliveries/{id}/resend": {"post": {"summary": "Send a sent or failed delivery again", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {
                "201": {"description": "the new delivery", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"},
                "409": {"description": "not sent or failed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/work-orders/{id}/timeline": {"get": {"summary": "A work order's feed, oldest first", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {"200": {"description": "the feed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/leads/{id}/timeline": {"get": {"summary": "A lead's feed, oldest first", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {"200": {"description": "the feed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/csrs/{id}/timeline": {"get": {"summary": "A service request's feed, oldest first", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {"200": {"description": "the feed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/rejects": {"get": {"summary": "Rejected events, newest first",
              "parameters": [{"$ref": "#/components/parameters/since"}, {"$ref": "#/components/parameters/until"},
                             {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}],
              "responses": {"200": {"description": "a page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RejectPage"}}}},
                "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"},
                "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v1/rules/reload": {"post": {"summary": "Read the rule set again; swap it in only if it compiles clean",
              "responses": {
                "200": {"description": "reloaded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "422": {"description": "the rule set has errors; the old one stays", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}
          }
        }
        """#
}
