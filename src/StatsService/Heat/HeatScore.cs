using Microsoft.Extensions.Options;

namespace Live.StatsService.Heat;

/// <summary>
/// The heat of a live room at a time (docs/stats.md):
/// heat = w_v·viewers + w_m·messageRate + w_g·giftRate, where the rates are exponentially decayed sums kept
/// per room by the consumer: messageRate = M·e^(−Δt/τ_m)/τ_m (messages/s), giftRate = G·e^(−Δt/τ_g)/τ_g·60
/// (coins/min), Δt the time since the room's latest event of that kind.
/// </summary>
public sealed class HeatScore(IOptions<HeatOptions> options)
{
    private readonly HeatOptions settings = options.Value;

    public double MessageRate(double decayed, double decayedAt, double nowSeconds) =>
        Decay(decayed, decayedAt, nowSeconds, settings.MessageTauSeconds) / settings.MessageTauSeconds;

    public double GiftCoinsPerMinute(double decayed, double decayedAt, double nowSeconds) =>
        Decay(decayed, decayedAt, nowSeconds, settings.GiftTauSeconds) / settings.GiftTauSeconds * 60;

    public double Compute(long viewers, double messageRate, double giftCoinsPerMinute) =>
        settings.ViewerWeight * viewers + settings.MessageRateWeight * messageRate + settings.GiftRateWeight * giftCoinsPerMinute;

    // Events stamped ahead of this clock (skew) count as now rather than growing.
    private static double Decay(double value, double at, double now, double tau) => value * Math.Exp(-Math.Max(0, now - at) / tau);
}
