#pragma once

#include "models/common/Result.h"
#include "server/secrets/SecretStore.h"

#include <memory>

struct Config;

// Picks this process's secret store from Config::secretStore:
//   "file"     FileSecretStore in <data dir>/secrets
//   "keychain" KeychainSecretStore (errors surface on first use, with what to do)
//   "auto"     the store that already holds this data dir's keys; on a first start the keychain
//              for the desktop console when a Secret Service answers a probe within
//              KeychainSecretStore::kProbeTimeoutMs, the file store otherwise (always for
//              gatehoused).
// Choosing the keychain leaves <data dir>/secret-store behind ("keychain", then the names it
// holds; KeychainSecretStore::indexPathFor), so a later start whose keyring happens to be
// locked fails with a clear error instead of silently creating new keys in the file store.
// Logs "secrets.store" with the backend and the reason.
// Creates the data dir (0700) when it is missing. Blocks up to the probe timeout.
// Errors: SECRET_STORE_UNAVAILABLE (no data dir, or it cannot be created/written).
Result<std::unique_ptr<SecretStore>> makeSecretStore(const Config &config, bool desktop);
