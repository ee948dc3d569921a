using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace OrderEngine.Api.Http;

/// <summary>
/// The OpenAPI document at /openapi/v1.json — the contract integrators generate their clients from — and its browsable
/// reference at /scalar. The document's info, servers and tags are set here; each operation's id, description and
/// responses are declared on its endpoint (WithName, WithDescription, Produces…). Answers every /api operation can give
/// whatever its handler does (the overload gate's 503) are added here, so no endpoint has to repeat them.
/// </summary>
public static class OpenApiContract
{
    public const string DocumentName = "v1";
    public const string Title = "OrderEngine API";

    /// <summary>The tags of the document, each with what it groups (every operation's tag must be one of these).</summary>
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["orders"] = "Place, read, search, pay, cancel, review and refund orders; an order's timeline.",
        ["stock"] = "One SKU's stock: absolute counts, adjustments, purchase limits, low-stock thresholds, replenishment settings.",
        ["reports"] = "Read-side reports over the projections: sales, stock, low-stock alerts, replenishment suggestions.",
        ["products"] = "Product definitions (name, weight, size) that choose how an order ships.",
        ["shipping"] = "Shipping rules in force, an order's shipping options and its chosen method.",
        ["payments"] = "Signed payment-provider webhooks that confirm payments.",
        ["shipments"] = "Parcels shipped for an order, their tracking, and the signed carrier webhooks reporting each parcel's journey.",
        ["returns"] = "Returns of shipped units: request, approve, receive, inspect, resolve.",
        ["cases"] = "Customer complaints with a due time by type.",
        ["channels"] = "Orders coming in from selling channels: feeds, marketplace webhooks, quarantine, reconciliation.",
        ["webhooks"] = "Outbound signed order events: subscriptions and deliveries.",
        ["projections"] = "The read-side projections: their offsets, lag and rebuilds.",
        ["restaurants"] = "Restaurant kitchens taking delivery orders.",
        ["couriers"] = "Couriers, their offers and deliveries.",
        ["zones"] = "Delivery zones (geohash cells) and their queues.",
        ["keys"] = "API keys (admin): create (the key is shown once), list, revoke.",
        ["customers"] = "A customer's personal data: its erasure (crypto-shredding) and the audit of erasures.",
    };

    public static IServiceCollection AddOrderEngineOpenApi(this IServiceCollection services)
    {
        // HttpSetup registers the document (AddOpenApi); this configures it.
        services.Configure<OpenApiOptions>(DocumentName, o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(AddCommonResponsesAsync);
            o.AddOperationTransformer(SecureOperationAsync);
        });
        return services;
    }

    /// <summary>The document's info, servers and tags. A security scheme (issue 13, authentication) is added in <see cref="Secure"/>.</summary>
    internal static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = Title,
            Version = "v1",
            Description = """
                OrderEngine takes orders for the hours that must not go wrong: every order and every SKU's stock is its own
                persistent entity, so stock is never oversold and an order is acknowledged only once it is durable.

                Conventions every operation follows:
                - Every error is an RFC 9457 `application/problem+json` body with a stable `type` (`urn:orderengine:problem:…`);
                  validation errors list each field by its JSON path. Bad input changes nothing.
                - Commands are idempotent: an order by its `id`, its `Idempotency-Key` header or its channel and `externalId`;
                  refunds, adjustments, shipments and returns by their own ids. Retrying the same request is safe.
                - `503` with a `Retry-After` header means try again after that delay with the same request: the node is at
                  capacity or an entity did not answer in time.
                - `429` with a `Retry-After` header: this key (or client, or customer placing orders) sent more than its
                  rate limit; try again after that delay.
                - Request bodies are limited to 64 KiB unless an operation says otherwise (larger: `413`).
                - Answered before any operation runs, and so not repeated on each: `404` for a path no route matches,
                  `405` for a method a path does not take, `413` for a body over its limit, `415` for a body that is not JSON.
                """,
            // No public address or licence file exists yet: the name only, until the project publishes them.
            Contact = new OpenApiContact { Name = "OrderEngine maintainers" },
            License = new OpenApiLicense { Name = "Proprietary" },
        };
        // A relative server: the document describes the node that serves it, wherever it runs.
        document.Servers = [new OpenApiServer { Url = "/", Description = "the node serving this document" }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        Secure(document);
    }

    /// <summary>
    /// The one place the security schemes and the document-wide requirement are declared: an API key in X-Api-Key or a
    /// JWT bearer token (docs/security.md), either of which satisfies the requirement.
    /// </summary>
    internal static void Secure(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "An API key made by an admin (POST /api/keys) or with the `keys create` verb; shown once when made.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT from the configured OpenID Connect provider (or signed with the configured key); roles in its `roles` claim.",
        };
        // Either scheme will do: two requirements, one per scheme.
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
        ];
    }

    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    /// <summary>
    /// An operation that takes anonymous callers (a signed webhook) gets an empty requirement, overriding the document's;
    /// every other one can answer 401 (no or bad credentials) and 403 (roles that do not allow it), as problems.
    /// </summary>
    private static async Task SecureOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement()];
            return;
        }
        operation.Responses ??= new OpenApiResponses();
        var problem = new OpenApiMediaType { Schema = await ProblemSchemaAsync(context, ct) };
        if (!operation.Responses.ContainsKey("401"))
            operation.Responses["401"] = new OpenApiResponse
            {
                Description = "No credentials, or credentials that are unknown, revoked or expired (urn:orderengine:problem:unauthenticated)",
                Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = problem },
            };
        if (!operation.Responses.ContainsKey("403"))
            operation.Responses["403"] = new OpenApiResponse
            {
                Description = "The credentials' roles do not allow this operation (urn:orderengine:problem:forbidden)",
                Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = problem },
            };
    }

    /// <summary>Answers an /api operation can give whatever its handler does: the overload gate's 503 + Retry-After (HttpSetup).</summary>
    private static async Task AddCommonResponsesAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var path = context.Description.RelativePath ?? "";
        if (!path.StartsWith("api/", StringComparison.Ordinal)) return;
        operation.Responses ??= new OpenApiResponses();
        var problem = operation.Responses.Values
            .Select(r => r.Content is { } c && c.TryGetValue(ProblemJson, out var m) ? m : null)
            .FirstOrDefault(m => m is not null)
            ?? new OpenApiMediaType { Schema = await ProblemSchemaAsync(context, ct) };
        // The per-key rate limit (Security/RateLimits.cs) answers any /api operation but the signed webhooks with 429.
        if (!OrderEngine.Api.Security.RateLimits.IsSignedWebhook("/" + path))
        {
            if (operation.Responses.TryGetValue("429", out var declared429) && declared429 is OpenApiResponse limited)
            {
                limited.Headers ??= new Dictionary<string, IOpenApiHeader>();
                limited.Headers[RetryAfter] = RetryAfterHeader();
            }
            else
                operation.Responses["429"] = new OpenApiResponse
                {
                    Description = "Too many requests from this key (or client): retry after Retry-After seconds",
                    Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = problem },
                    Headers = new Dictionary<string, IOpenApiHeader> { [RetryAfter] = RetryAfterHeader() },
                };
        }
        if (operation.Responses.TryGetValue("503", out var existing) && existing is OpenApiResponse declared)
        {
            declared.Headers ??= new Dictionary<string, IOpenApiHeader>();
            declared.Headers[RetryAfter] = RetryAfterHeader();
            return;
        }
        operation.Responses["503"] = new OpenApiResponse
        {
            Description = "The node is at capacity, or an entity did not answer in time: retry the same request after Retry-After seconds",
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = problem },
            Headers = new Dictionary<string, IOpenApiHeader> { [RetryAfter] = RetryAfterHeader() },
        };
    }

    /// <summary>A reference to the document's ProblemDetails schema (one class in a generated client, not one per operation).</summary>
    private static async Task<IOpenApiSchema> ProblemSchemaAsync(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        const string name = "ProblemDetails";
        if (context.Document is not { } document) return await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, ct);
        if (document.Components?.Schemas?.ContainsKey(name) != true)
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, ct));
        return new OpenApiSchemaReference(name, document);
    }

    private const string ProblemJson = "application/problem+json";
    private const string RetryAfter = "Retry-After";

    private static OpenApiHeader RetryAfterHeader() => new()
    {
        Description = "seconds to wait before retrying the same request",
        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
    };

    /// <summary>The browsable API reference at /scalar, over /openapi/v1.json; its script and styles are served by the node.</summary>
    public static WebApplication MapOrderEngineApiReference(this WebApplication app)
    {
        app.MapScalarApiReference("/scalar", o =>
        {
            o.Title = Title;
            // Nothing from outside at run time: the script is the package's own (served under /scalar/), and Scalar's
            // web fonts, telemetry and agent would call Scalar's servers, so they are off.
            o.DisableDefaultFonts();
            o.DisableTelemetry();
            o.DisableAgent();
        }).AllowAnonymous();
        return app;
    }
}
