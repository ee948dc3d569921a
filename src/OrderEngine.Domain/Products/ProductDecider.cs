using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Products;

/// <summary>The rules of one product's definition: decide a command against the state, evolve the state by an event.</summary>
public static class ProductDecider
{
    public const int MaxNameLength = 200;
    public const decimal MaxWeightKg = 50_000m;
    public const decimal MaxSideCm = 10_000m;

    public static Decision<IProductEvent, ProductRejection> Decide(ProductState state, IProductCommand command, DateTimeOffset now) =>
        command.Sku != state.Sku
            ? Reject(ProductRejectionCode.Invalid, $"command for SKU {command.Sku} reached the entity of SKU {state.Sku}", [])
            : command switch
            {
                PutProduct c => DecidePut(state, c, now),
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown product command"),
            };

    /// <summary>Every problem of a definition, each named by its JSON field; empty when it is valid.</summary>
    public static ImmutableArray<FieldError> Validate(PutProduct c)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        if (!Identifiers.IsValidEntityId(c.Sku)) errors.Add(new FieldError("sku", "sku must be " + Identifiers.EntityIdRule));
        if (string.IsNullOrWhiteSpace(c.Name)) errors.Add(new FieldError("name", "name is required"));
        else if (c.Name.Length > MaxNameLength || c.Name.Any(char.IsControl))
            errors.Add(new FieldError("name", $"name must be at most {MaxNameLength} printable characters"));
        if (c.WeightKg is not { } weight) errors.Add(new FieldError("weightKg", "weightKg is required (kilograms, e.g. 1.25)"));
        else if (weight <= 0 || weight > MaxWeightKg) errors.Add(new FieldError("weightKg", $"weightKg must be greater than 0 and at most {MaxWeightKg}"));
        else if (decimal.Round(weight, 3) != weight) errors.Add(new FieldError("weightKg", "weightKg has at most 3 decimals (grams)"));
        if (c.Dimensions is not { } d) errors.Add(new FieldError("dimensions", "dimensions are required (lengthCm, widthCm, heightCm)"));
        else
        {
            Side(d.LengthCm, "dimensions.lengthCm");
            Side(d.WidthCm, "dimensions.widthCm");
            Side(d.HeightCm, "dimensions.heightCm");
        }
        if (c.HsCode is not null && (c.HsCode.Length is < 6 or > 10 || !c.HsCode.All(char.IsAsciiDigit)))
            errors.Add(new FieldError("hsCode", "hsCode must be 6 to 10 digits"));
        return errors.ToImmutable();

        void Side(decimal cm, string field)
        {
            if (cm <= 0 || cm > MaxSideCm) errors.Add(new FieldError(field, $"{field} must be greater than 0 and at most {MaxSideCm}"));
            else if (decimal.Round(cm, 1) != cm) errors.Add(new FieldError(field, $"{field} has at most 1 decimal (millimetres)"));
        }
    }

    private static Decision<IProductEvent, ProductRejection> DecidePut(ProductState s, PutProduct c, DateTimeOffset now)
    {
        var errors = Validate(c);
        if (!errors.IsEmpty) return Reject(ProductRejectionCode.Invalid, "the product definition is invalid", errors);
        var name = c.Name!.Trim();
        if (s.Current is { } cur && cur.Name == name && cur.WeightKg == c.WeightKg && cur.Dimensions == c.Dimensions
            && cur.Returnable == c.Returnable && cur.HsCode == c.HsCode)
            return Decision<IProductEvent, ProductRejection>.AlreadyDone;
        return Decision<IProductEvent, ProductRejection>.Accept(new ProductDefined(
            s.Sku, name, c.WeightKg!.Value, c.Dimensions!, c.Returnable, c.HsCode, (s.Current?.Revision ?? 0) + 1, now));
    }

    public static ProductState Evolve(ProductState s, IProductEvent e) => e switch
    {
        ProductDefined d => s with { Current = new ProductView(d.Sku, d.Name, d.WeightKg, d.Dimensions, d.Returnable, d.HsCode, d.Revision, d.At) },
        _ => s,
    };

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static ProductState Fold(ProductState s, IEnumerable<IProductEvent> events) => events.Aggregate(s, Evolve);

    private static Decision<IProductEvent, ProductRejection> Reject(ProductRejectionCode code, string message, ImmutableArray<FieldError> errors) =>
        Decision<IProductEvent, ProductRejection>.Reject(new ProductRejection(code, message, errors));
}
