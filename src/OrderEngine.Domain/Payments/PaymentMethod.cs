namespace OrderEngine.Domain.Payments;

/// <summary>How the customer pays. Cash on delivery skips online payment and is settled when the parcel is delivered.</summary>
public enum PaymentMethod
{
    Card,
    BankTransfer,
    Alipay,
    WeChatPay,
    CashOnDelivery,
    GiftCard,
}

/// <summary>What happens to a payment that does not fit its order (wrong amount or currency, a second payment, an ended order).</summary>
public enum AnomalyPolicy
{
    /// <summary>Record the anomaly and refund that payment at once.</summary>
    Refund,

    /// <summary>Record the anomaly and hold the order for a person to decide (orders that already ended are refunded regardless).</summary>
    Hold,
}
