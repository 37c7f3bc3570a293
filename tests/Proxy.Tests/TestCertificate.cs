using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Live.Proxy.Tests;

/// <summary>
/// A self-signed certificate for 127.0.0.1/localhost, written to a PFX the Proxy's Kestrel loads and to a PEM
/// a command-line client trusts (buf curl --cacert).
/// </summary>
public sealed class TestCertificate : IDisposable
{
    public const string Password = "test";

    private TestCertificate(X509Certificate2 certificate, string pfxPath, string pemPath)
    {
        Certificate = certificate;
        PfxPath = pfxPath;
        PemPath = pemPath;
    }

    public X509Certificate2 Certificate { get; }
    public string PfxPath { get; }

    /// <summary>The certificate alone (no key), PEM-encoded.</summary>
    public string PemPath { get; }

    public static TestCertificate Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = created.Export(X509ContentType.Pfx, Password);
        var path = Path.Combine(Path.GetTempPath(), $"live-proxy-test-{Guid.NewGuid():N}");
        File.WriteAllBytes(path + ".pfx", pfx);
        File.WriteAllText(path + ".crt", created.ExportCertificatePem());
        return new TestCertificate(X509CertificateLoader.LoadPkcs12(pfx, Password), path + ".pfx", path + ".crt");
    }

    /// <summary>Trusts exactly this certificate, nothing else.</summary>
    public bool Validate(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString();

    public void Dispose()
    {
        Certificate.Dispose();
        File.Delete(PfxPath);
        File.Delete(PemPath);
    }
}
