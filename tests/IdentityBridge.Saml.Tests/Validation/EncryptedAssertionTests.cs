using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// Entra's optional SAML token encryption (spec/saml.md 1.5): signed, then encrypted to our certificate. Encryption
/// proves nothing about the sender, since anyone can encrypt to a public certificate; the inner signature still decides.
/// </summary>
public sealed class EncryptedAssertionTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task encrypted_assertion_is_rejected_when_the_record_has_no_decryption_key()
    {
        var doc = AssertionEncryptor.EncryptAssertion(_world.SignedResponse(), keys.ServiceProviderEncryption);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DecryptionFailed);
    }

    [Fact]
    public async Task encrypted_signed_assertion_is_accepted_when_the_record_holds_the_key()
    {
        _world.RecordA = _world.RecordA with { DecryptionCertificate = keys.ServiceProviderEncryption };
        var doc = AssertionEncryptor.EncryptAssertion(_world.SignedResponse(), keys.ServiceProviderEncryption);

        Assert.Equal(Entra.LegitimateUser, Verdict.Accepted(await _world.ValidateAsync(doc)).NameId);
    }

    [Fact]
    public async Task assertion_encrypted_to_another_key_is_rejected()
    {
        _world.RecordA = _world.RecordA with { DecryptionCertificate = keys.ServiceProviderEncryption };
        var doc = AssertionEncryptor.EncryptAssertion(_world.SignedResponse(), keys.Attacker);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DecryptionFailed);
    }

    [Fact]
    public async Task key_transported_with_rsa_pkcs1_v1_5_is_rejected()
    {
        // RSA PKCS#1 v1.5 key transport is a padding oracle (Bleichenbacher; "How to Break XML Encryption", 2011).
        _world.RecordA = _world.RecordA with { DecryptionCertificate = keys.ServiceProviderEncryption };
        var doc = AssertionEncryptor.EncryptAssertion(_world.SignedResponse(), keys.ServiceProviderEncryption, oaep: false);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DecryptionFailed);
    }

    [Fact]
    public async Task unsigned_assertion_an_attacker_encrypted_to_our_certificate_is_rejected()
    {
        _world.RecordA = _world.RecordA with { DecryptionCertificate = keys.ServiceProviderEncryption };
        var forged = _world.Response().WithNameId(Entra.EvilUser).Build();
        var doc = AssertionEncryptor.EncryptAssertion(forged, SamlKeys.PublicOnly(keys.ServiceProviderEncryption));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureMissing);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }
}
