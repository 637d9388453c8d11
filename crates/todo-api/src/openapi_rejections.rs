//! What the shared extractors refuse, documented on every operation that uses them,
//! so that `/openapi.json` lists every status a client can get (schemathesis checks
//! each answer against it): a JSON body ([`crate::extract::ApiJson`]) can be
//! malformed (400), too large (413) or not JSON (415); an `{id}` in a path is a
//! positive integer (400 otherwise).

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

/// Adds the extractors' rejections to every operation of `doc`.
pub(crate) fn document_rejections(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            document_operation(operation);
        }
    }
}

fn document_operation(operation: &mut Operation) {
    let mut rejections: Vec<(&str, &str)> = Vec::new();
    if operation.request_body.is_some() {
        rejections.extend([
            ("400", "Malformed JSON"),
            ("413", "Body too large"),
            ("415", "Not JSON: Content-Type must be application/json"),
        ]);
    }
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if parameter.parameter_in != ParameterIn::Path || parameter.name != "id" {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(schema))) = &mut parameter.schema {
            schema.minimum = Some(utoipa::Number::Int(1));
        }
        rejections.push(("400", "The id is not a positive integer"));
    }
    for (status, description) in rejections {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                        )
                        .build(),
                )
            });
    }
}
