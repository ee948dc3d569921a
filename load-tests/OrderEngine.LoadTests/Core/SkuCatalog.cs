namespace OrderEngine.LoadTests.Core;

/// <summary>
/// The SKUs of one run, with the stock the tool sets up for each and a client-side ledger of what happened to them:
/// which SKUs any request named (touched), the quantities of accepted orders, and the quantities of orders whose
/// outcome is still unknown. The invariant check compares this ledger with the engine's figures.
/// </summary>
public sealed class SkuCatalog
{
    private readonly List<string> _names = [];
    private readonly List<long> _onHand = [];
    private long[] _accepted = [];
    private long[] _uncertain = [];
    private long[] _mayLeave = [];
    private int[] _touched = [];
    private bool _frozen;

    public int Count => _names.Count;

    public string Name(int sku) => _names[sku];

    public long OnHand(int sku) => _onHand[sku];

    public long Accepted(int sku) => Volatile.Read(ref _accepted[sku]);

    public long Uncertain(int sku) => Volatile.Read(ref _uncertain[sku]);

    /// <summary>Units that may have left stock (picked up by a courier: they leave as a shipment's do).</summary>
    public long MayLeave(int sku) => Volatile.Read(ref _mayLeave[sku]);

    public bool IsTouched(int sku) => Volatile.Read(ref _touched[sku]) != 0;

    public int Add(string name, long onHand)
    {
        if (_frozen) throw new InvalidOperationException("the catalog is frozen");
        _names.Add(name);
        _onHand.Add(onHand);
        return _names.Count - 1;
    }

    /// <summary>Ends the building phase and allocates the ledger.</summary>
    public void Freeze()
    {
        if (_frozen) return;
        _frozen = true;
        _accepted = new long[_names.Count];
        _uncertain = new long[_names.Count];
        _mayLeave = new long[_names.Count];
        _touched = new int[_names.Count];
    }

    public void Touch(OrderLine[] lines)
    {
        foreach (var l in lines)
            if (_touched[l.Sku] == 0) Volatile.Write(ref _touched[l.Sku], 1);
    }

    public void Accept(OrderLine[] lines)
    {
        foreach (var l in lines) Interlocked.Add(ref _accepted[l.Sku], l.Quantity);
    }

    public void AddUncertain(OrderLine[] lines)
    {
        foreach (var l in lines) Interlocked.Add(ref _uncertain[l.Sku], l.Quantity);
    }

    public void AddMayLeave(OrderLine[] lines)
    {
        foreach (var l in lines) Interlocked.Add(ref _mayLeave[l.Sku], l.Quantity);
    }

    public IEnumerable<int> TouchedSkus()
    {
        for (var i = 0; i < _names.Count; i++)
            if (IsTouched(i)) yield return i;
    }

    /// <summary>Restores a ledger row (the verify command re-reads a finished run's ledger).</summary>
    public void Restore(int sku, long accepted, long uncertain, long mayLeave = 0)
    {
        _accepted[sku] = accepted;
        _uncertain[sku] = uncertain;
        _mayLeave[sku] = mayLeave;
        _touched[sku] = 1;
    }
}
