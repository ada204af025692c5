using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// "Encrypt Assertion" on a record: the instance publishes an encryption key in its SP metadata, and an identity
/// provider that encrypts the assertion to it signs users in; without the setting an encrypted assertion is refused.
/// </summary>
public abstract class EncryptedAssertionSignInTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    [BackendFact]
    public async Task an_assertion_encrypted_to_the_published_key_signs_the_user_in()
    {
        var record = await instance.RegisterAsync(_entra, new { encrypt_assertion = "true" });
        var user = EntraUser.New("enc", "rypted");
        await instance.CreateUserAsync(user);
        using var browser = new SsoBrowser(instance.BaseUrl);
        var metadata = await browser.ServiceProviderMetadataAsync(record);
        var encryptTo = Assert.Single(metadata.ServiceProvider!.EncryptionCertificates);

        var landing = await browser.PostResponseAsync(Encrypted(_entra.Describe(user, browser.InstanceBase()), encryptTo));

        landing.ShouldLandOn(browser, "/navpage.do");
        await browser.ShouldBeSignedInAsync(user);
    }

    [BackendFact]
    public async Task an_encrypted_assertion_is_refused_when_the_record_does_not_ask_for_encryption()
    {
        var record = await instance.RegisterAsync(_entra);
        var user = EntraUser.New("not", "asked");
        await instance.CreateUserAsync(user);
        using var browser = new SsoBrowser(instance.BaseUrl);
        var metadata = await browser.ServiceProviderMetadataAsync(record);
        var log = await SyslogWatch.StartAsync(instance);

        var landing = await browser.PostResponseAsync(Encrypted(_entra.Describe(user, browser.InstanceBase()), metadata.ServiceProvider!.SigningCertificates[0]));

        landing.ShouldBeRefused();
        await log.ShouldHaveLoggedAsync("DECRYPTION_FAILED");
    }

    /// <summary>The signed assertion replaced by an EncryptedAssertion: AES-256-GCM content, RSA-OAEP key transport.</summary>
    private string Encrypted(ResponseDescription description, X509Certificate2 recipient)
    {
        var document = ResponseWriter.WriteSigned(description, _entra.Certificate);
        var response = document.DocumentElement!;
        var assertion = response.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Assertion");
        var plain = Encoding.UTF8.GetBytes(assertion.OuterXml);
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(key, 16)) gcm.Encrypt(nonce, plain, cipher, tag);
        using var rsa = recipient.GetRSAPublicKey()!;
        var fragment = document.CreateDocumentFragment();
        fragment.InnerXml =
            $"<EncryptedAssertion xmlns=\"{SamlNames.Assertion}\"><xenc:EncryptedData xmlns:xenc=\"{SamlNames.XmlEnc}\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\">" +
            "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes256-gcm\"/>" +
            $"<ds:KeyInfo xmlns:ds=\"{SamlNames.DSig}\"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"/>" +
            $"<xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(rsa.Encrypt(key, RSAEncryptionPadding.OaepSHA1))}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>" +
            $"<xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String([.. nonce, .. cipher, .. tag])}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></EncryptedAssertion>";
        response.ReplaceChild(fragment, assertion);
        return ResponseWriter.Encode(document);
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class EncryptedAssertionSignInTestsOnSqlite(SqliteInstance instance)
    : EncryptedAssertionSignInTests(instance), IClassFixture<SqliteInstance>;

public sealed class EncryptedAssertionSignInTestsOnPostgres(PostgresInstance instance)
    : EncryptedAssertionSignInTests(instance), IClassFixture<PostgresInstance>;
