using System.ComponentModel.DataAnnotations;

namespace Live.Proxy.WebApp;

public sealed class WebAppOptions
{
    public const string Section = "WebApp";

    /// <summary>
    /// The built browser app (index.html, assets/): web/app's build output. A relative path is resolved against
    /// the Proxy's content root, its build output (src/Proxy/bin/&lt;configuration&gt;/net10.0), so the default is
    /// the repository's web/app/dist; ./platform passes the absolute path. Missing: the Proxy serves no app.
    /// </summary>
    [Required]
    public string Root { get; set; } = "../../../../../web/app/dist";
}
