namespace OrderEngine.Domain.Customers;

/// <summary>A message addressed to one customer's activity entity.</summary>
public interface ICustomerMessage : IOrderEngineMessage
{
    string CustomerId { get; }
}

/// <summary>Counts an order of the customer (once per order id) and asks how many the customer placed within the window.</summary>
public sealed record NoteCustomerOrder(string CustomerId, string OrderId, DateTimeOffset At, TimeSpan Window) : ICustomerMessage;

/// <summary>The customer's orders within the window, the noted one included.</summary>
public sealed record CustomerOrderCount(string CustomerId, string OrderId, int Count) : ICustomerMessage;
