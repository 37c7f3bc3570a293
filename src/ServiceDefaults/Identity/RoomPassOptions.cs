using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Live.ServiceDefaults.Hosting;

namespace Live.ServiceDefaults.Identity;

/// <summary>The room pass key (RoomPass:Key), shared by the Edge, which issues passes, and CommerceService, which checks them.</summary>
public sealed class RoomPassOptions : IValidatableObject
{
    public const string Section = "RoomPass";

    /// <summary>A base64 secret of at least 32 bytes. Without it the Edge issues no passes.</summary>
    public string? Key { get; set; }

    /// <summary>How long a pass is good for; the Edge sends a new one at half of it.</summary>
    [Range(2, 86_400)]
    public int LifetimeSeconds { get; set; } = 600;

    /// <summary>The decoded key, or null when none is configured.</summary>
    public byte[]? KeyBytes() => string.IsNullOrEmpty(Key) ? null : Convert.FromBase64String(Key);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Key))
        {
            yield break;
        }

        var buffer = new byte[Key.Length];
        if (!Convert.TryFromBase64String(Key, buffer, out var length) || length < 32)
        {
            yield return new ValidationResult("RoomPass:Key must be base64 of at least 32 bytes (e.g. `openssl rand -base64 32`).", [nameof(Key)]);
        }
    }
}

public static class RoomPassExtensions
{
    /// <summary>RoomPass options, validated at start-up; <paramref name="keyRequired"/> stops start-up without a key.</summary>
    public static IServiceCollection AddRoomPassOptions(this IServiceCollection services, IConfiguration configuration, bool keyRequired)
    {
        var options = services.AddValidatedOptions<RoomPassOptions>(configuration, RoomPassOptions.Section);
        if (keyRequired)
        {
            options.Validate(o => !string.IsNullOrEmpty(o.Key), "RoomPass:Key is required: the base64 secret the Edge signs room passes with.");
        }

        return services;
    }
}
