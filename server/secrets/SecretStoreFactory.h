#pragma once

#include "models/common/Result.h"
#include "server/secrets/SecretStore.h"

#include <functional>
#include <memory>

struct Config;

// The desktop keychain, which gatehouse_server does not link (gatehoused and its package need
// neither QtKeychain nor D-Bus): the console hands it in, built by desktopKeychain() from
// gatehouse_keychain (keychain/KeychainSecretStore.h). A process without one has no keychain.
//   open   the keychain store for config.dataDir, with this data dir claimed for it (the index
//          below written), or the error saying why not
//   probe  whether a Secret Service answers and takes a write within a short timeout
using KeychainFactory = std::function<Result<std::unique_ptr<SecretStore>>(const Config &)>;
using KeychainProbe = std::function<Status(const Config &)>;
struct KeychainBackend
{
    KeychainFactory open;
    KeychainProbe probe;

    bool available() const { return open && probe; }
};

// <dataDir>/secret-store: "keychain" on the first line, then one secret name per line (written
// by the keychain store). Not secret (names only); it says this data dir's keys are in the
// keychain, also to a process that cannot reach the keychain.
QString keychainIndexPath(const QString &dataDir);
bool keychainHoldsKeysOf(const QString &dataDir);

// Picks this process's secret store from Config::secretStore:
//   "file"     FileSecretStore in <data dir>/secrets
//   "keychain" the keychain (errors surface on first use, with what to do); without a keychain
//              backend (gatehoused) SECRET_STORE_UNAVAILABLE at once
//   "auto"     the store that already holds this data dir's keys; on a first start the keychain
//              when there is a backend (the desktop console) and a Secret Service answers its
//              probe, the file store otherwise (always for gatehoused).
// Choosing the keychain leaves <data dir>/secret-store behind (keychainIndexPath), so a later
// start whose keyring happens to be locked, or that has no keychain backend (gatehoused on the
// console's data dir), fails with a clear error instead of silently creating new keys in the
// file store.
// Logs "secrets.store" with the backend and the reason.
// Creates the data dir (0700) when it is missing. Blocks up to the probe timeout.
// Errors: SECRET_STORE_UNAVAILABLE (no data dir, or it cannot be created/written; the keychain
// is configured or holds this data dir's keys but this process has no keychain backend).
Result<std::unique_ptr<SecretStore>> makeSecretStore(const Config &config,
                                                     const KeychainBackend &keychain = {});
