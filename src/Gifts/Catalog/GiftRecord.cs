using Live.V1;

namespace Live.Gifts.Catalog;

/// <summary>A row of `gift_catalog`.</summary>
public sealed class GiftRecord
{
    public int Id { get; set; }
    public string Name { get; set; } = string.Empty;
    public long Price { get; set; }
    public GiftTier Tier { get; set; }
    public bool Active { get; set; }

    public Gift ToProto() => new() { Id = Id, Name = Name, Price = Price, Tier = Tier };
}
