using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Live.ServiceDefaults.Hosting;

public static class OptionsExtensions
{
    /// <summary>Binds a section, validates it with data annotations and fails start-up when it is invalid.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        return services.AddOptions<T>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    /// <summary>A connection string that must be present; a missing one stops start-up with its key in the message.</summary>
    public static string RequireConnectionString(this IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ValidationException($"Configuration 'ConnectionStrings:{name}' is required.");
        }

        return value;
    }
}
