using System.Globalization;

namespace Live.CommerceService.Orders;

/// <summary>An order id is "&lt;sale id&gt;-&lt;seq&gt;": the reservation's number within its sale, known the moment Redis decides.</summary>
public static class OrderIds
{
    public static string Format(long saleId, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{saleId}-{seq}");

    public static bool TryParse(string orderId, out long saleId, out long seq)
    {
        saleId = seq = 0;
        var dash = orderId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(orderId.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out saleId)
            && long.TryParse(orderId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq)
            && saleId > 0 && seq > 0;
    }
}
