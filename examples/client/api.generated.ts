export interface paths {
    "/send-otp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a login code by SMS
         * @description Sends a 6-digit code to the number. The answer is the same whether or not the number has an
         *     account: under `SIGNUP_MODE=closed` an unknown number gets this same `200` and no SMS. The
         *     number may contain only `+`, digits, spaces, `-`, `.`, `(` and `)`, and must be a valid
         *     international number. Each send counts against the per-number cooldown, hourly and daily
         *     limits and the per-IP hourly limit, even when the SMS provider fails.
         */
        post: operations["sendOtp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/verify-otp": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Trade a login code for tokens
         * @description Every failure (wrong, expired or used code, no code pending, unknown number) is the same
         *     `400 invalid_otp` and spends one attempt of the number's budget; after `OTP_MAX_ATTEMPTS`
         *     wrong codes the number is locked (`429 too_many_attempts`, even for the right code) for
         *     `OTP_LOCKOUT_SECONDS`. The access token is an RS256 JWT (`kid` header; claims `iss`, `sub`,
         *     `aud`, `iat`, `exp`, `jti`, `token_use: "access"`, `phone_number`, `session_epoch`, `auth_time`,
         *     `amr`); `sub` is a stable opaque user id, never the phone number. `auth_time` (OpenID Connect's)
         *     is when the login that started the session happened, in epoch seconds: this code's proof here,
         *     or a number change's confirmation; `amr` (RFC 8176) is how it was proved: `["sms"]` after a
         *     code. A refresh keeps both. The refresh token is opaque.
         */
        post: operations["verifyOtp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/passkey/options": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a passkey sign-in
         * @description Answers the options to pass to `navigator.credentials.get()` (WebAuthn Level 3 JSON:
         *     `PublicKeyCredential.parseRequestOptionsFromJSON`), with a fresh single-use challenge valid
         *     `PASSKEY_CHALLENGE_TTL_SECONDS`. `allowCredentials` is empty: the user picks one of the
         *     discoverable credentials (passkeys) the device holds for the RP ID, in the account picker or
         *     in autofill (conditional UI), without typing a number. Counts in the client IP's hourly
         *     passkey budget (`PASSKEY_MAX_PER_IP_PER_HOUR`, shared with `/passkey/verify`).
         */
        post: operations["passkeyOptions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/passkey/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Trade a passkey assertion for tokens
         * @description Signs in with the assertion `navigator.credentials.get()` returned for the options of
         *     `/passkey/options` (its `toJSON()`). Answers exactly as `/verify-otp`: a new session (a new
         *     refresh family), `auth_time` now (a passkey sign-in is a recent login), and `amr`
         *     `["hwk", "user"]` when the authenticator verified the user (biometrics or PIN: the UV flag)
         *     or `["hwk"]` when it only tested presence. No SMS is sent.
         *
         *     Every failure is the same `401 invalid_passkey`: unknown user or credential, no user handle,
         *     bad signature, wrong origin (`WEBAUTHN_ORIGINS`) or RP ID (`WEBAUTHN_RP_ID`), a challenge that
         *     is spent, expired, never handed out or handed out for an enrolment, a signature counter that
         *     did not move on (a cloned authenticator; synced passkeys report 0 and are fine), a deleted
         *     account, or a number the user no longer holds. Which one is logged, never answered; offer
         *     the SMS login instead. A body of the wrong shape is `400 invalid_request` and changes
         *     nothing. Counts in the client IP's hourly passkey budget, with `/passkey/options`.
         */
        post: operations["passkeyVerify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/token/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a refresh token
         * @description Every refresh rotates: the presented token is spent and a new one of the same family is
         *     returned with a new access token. Presenting a spent token is treated as theft: `401
         *     invalid_token`, and the whole family is revoked. With `REFRESH_REUSE_GRACE_SECONDS=N`,
         *     re-presenting the immediate parent within N seconds of its rotation returns the same child.
         *     A family ends `REFRESH_TOKEN_TTL_SECONDS` after the login, and no access token outlives it.
         */
        post: operations["refreshToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a refresh token's family, or every session of its user
         * @description Revokes the whole family of the refresh token, its newest token included. The token must be
         *     the family's current one or the one it replaced; logging out again with it is also `204`.
         *     Any other token, or a family that has ended, is `401 invalid_token`.
         *
         *     With `"all": true`, signs the user out everywhere: every refresh token of every session of
         *     the user, this one included, answers `401 invalid_token` from then on. Only a live session
         *     can do it: a token whose session has already ended (logged out, revoked, signed out
         *     everywhere, account deleted, number changed) is `401 invalid_token`. Access tokens already
         *     issued stay valid until they expire (`ACCESS_TOKEN_TTL_SECONDS`) for APIs that only check
         *     the signature; the `/me` routes refuse them at once (their `session_epoch` claim is past).
         */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The signed-in user
         * @description In AWS the HTTP API's JWT authorizer checks the access token before the function runs; the
         *     local server applies exactly its documented checks: the `Authorization` header holds the
         *     token (bare or after `Bearer `), RS256, a `kid` of the published JWKS whose key verifies the
         *     signature, `exp` after and `iat` (and `nbf`, when present) not after the current time with
         *     no clock skew, `iss` equal to the issuer, `aud` containing the audience. The function then
         *     checks `token_use: "access"`, and that the user still exists and still has the token's
         *     number: a token of a deleted account, or one issued before a number change, is
         *     `401 invalid_token`.
         */
        get: operations["getMe"];
        put?: never;
        post?: never;
        /**
         * Delete the account
         * @description Deletes the signed-in user, as app stores require an app to offer. From the answer on,
         *     every refresh token of every session of the user is `401 invalid_token`, `GET /me` refuses
         *     every access token of the user, and the number is free: under open signup its next login
         *     creates a new user (a new `sub`); under closed signup it gets no SMS until an operator adds
         *     it again. The user's data and refresh-token families are deleted, not marked; the number
         *     keeps only its abuse counters (sends and wrong codes), which expire within a day plus
         *     `OTP_LOCKOUT_SECONDS`, as for any number that asked for a code. Access tokens already held
         *     by other APIs that only check the signature stay valid until they expire, at most
         *     `ACCESS_TOKEN_TTL_SECONDS`.
         *     A recent login is needed: the access token's `auth_time` at most
         *     `RECENT_LOGIN_MAX_AGE_SECONDS` (default 300) ago, else `403 recent_login_required` with
         *     nothing changed, sent or charged (an access token can leak wherever it is sent; a login
         *     proves the number). The app then logs in again with a code sent to the current number and
         *     retries with the new access token.
         */
        delete: operations["deleteMe"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/phone-number": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a code to the number the user moves to
         * @description Sends a 6-digit code to the new number. The new number gets every rule of `/send-otp`
         *     (country, number type, lockout, cooldown, hour, day, client-IP and per-country limits),
         *     whatever `SIGNUP_MODE`, and
         *     every request first counts as one send against the caller's own number's hour and day
         *     limits, whatever the new number's state, so an account cannot spray codes or probe numbers
         *     (at most `SEND_MAX_PER_DAY` a day). A number that belongs to another
         *     user is `409 phone_number_taken` (also counted against the caller; the other user is not
         *     touched), a locked one or one at its send limits `429` (counted too); the user's current
         *     number is `400 invalid_request`. The code only confirms this
         *     change by this user: it never logs anyone in.
         *     A recent login is needed: the access token's `auth_time` at most
         *     `RECENT_LOGIN_MAX_AGE_SECONDS` (default 300) ago, else `403 recent_login_required` with
         *     nothing changed, sent or charged (an access token can leak wherever it is sent; a login
         *     proves the number). The app then logs in again with a code sent to the current number and
         *     retries with the new access token.
         */
        post: operations["requestPhoneNumberChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/phone-number/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move the user to the new number with its code
         * @description Trades the code sent by `POST /me/phone-number` for new tokens. The user keeps its `sub`;
         *     the new tokens carry the new `phone_number`. In one transaction the new number gets the
         *     user and the old one is freed (under open signup its next login creates a new user), so at
         *     no moment can both numbers log in to the user. Every other session of the user ends. Wrong
         *     codes spend the new number's attempt budget: `400 invalid_otp`, then `429
         *     too_many_attempts`. A number taken by another user in the meantime is `409
         *     phone_number_taken`. Once moved, the old number gets one SMS saying the number on the account
         *     was changed (`SMS_NUMBER_CHANGED_TEMPLATE`); its failure never fails the move. The new
         *     tokens start a new session whose `auth_time` is now: the code proved the new number.
         *     A recent login is needed: the access token's `auth_time` at most
         *     `RECENT_LOGIN_MAX_AGE_SECONDS` (default 300) ago, else `403 recent_login_required` with
         *     nothing changed, sent or charged (an access token can leak wherever it is sent; a login
         *     proves the number). The app then logs in again with a code sent to the current number and
         *     retries with the new access token.
         */
        post: operations["verifyPhoneNumberChange"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/passkeys/options": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Options to create a passkey for the signed-in user
         * @description The `PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3) to pass to
         *     `navigator.credentials.create()` (in a browser: `PublicKeyCredential.parseCreationOptionsFromJSON`)
         *     or to the platform's passkey API: a discoverable credential (`residentKey: required`), user
         *     verification preferred, attestation `none`, EdDSA, ES256 or RS256, `user.id` the UTF-8 bytes
         *     of the `sub` (base64url), `user.name` the E.164 number, and `excludeCredentials` listing the
         *     user's passkeys, so a device that holds one does not make a second. The `challenge` is
         *     single-use, valid `PASSKEY_CHALLENGE_TTL_SECONDS` (default 300, also the `timeout`), and
         *     only for a registration by this user. The body is `{}`.
         *     A recent login is needed: the access token's `auth_time` at most
         *     `RECENT_LOGIN_MAX_AGE_SECONDS` (default 300) ago, else `403 recent_login_required` with
         *     nothing read or written: a passkey added with a stolen access token would be a key to the
         *     account that outlives the token.
         */
        post: operations["passkeyCreationOptions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/passkeys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The signed-in user's passkeys
         * @description Oldest first. No recent login is needed; a token whose user no longer holds its number is
         *     `401 invalid_token`, as for `GET /me`. Nothing secret is shown: no public key, no counter.
         */
        get: operations["listPasskeys"];
        put?: never;
        /**
         * Add the passkey the device created
         * @description Verifies the `RegistrationResponseJSON` the device gave back for the options (in a browser:
         *     `credential.toJSON()`): its challenge must be an unspent, unexpired registration challenge of
         *     this user (each is spent by the first registration that uses it), its origin one of
         *     `WEBAUTHN_ORIGINS`, its RP ID `WEBAUTHN_RP_ID`, its key EdDSA, ES256 or RS256, its
         *     attestation well-formed. Anything else, and a credential the user already has, is
         *     `400 passkey_rejected` with nothing stored: ask for new options and start again. A user with
         *     `PASSKEYS_PER_USER_MAX` passkeys (default 10) gets `409 passkey_limit_reached`. A user who no
         *     longer holds the token's number (deleted, moved, signed out everywhere) is
         *     `401 invalid_token`. `name` is optional (default `Passkey`): trimmed, 1-64 characters, no
         *     control characters, else `400 invalid_request`.
         *     A recent login is needed, as for the options.
         */
        post: operations["addPasskey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/passkeys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove one of the signed-in user's passkeys
         * @description The passkey stops signing anyone in at once (the device keeps the credential until the user
         *     deletes it there; it no longer works here). `404 not_found` when the user has no passkey
         *     with this id, whoever else may have one; `400 invalid_request` for an id that is not
         *     base64url of at most 1364 characters. A recent login is needed, as for the options.
         */
        delete: operations["removePasskey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The public signing keys (JWKS)
         * @description Every key that may have signed a live access token, and the next one two hours before it
         *     signs. Only public members: never `d`, `p`, `q`, `dp`, `dq` or `qi`. Right after the first
         *     deploy, until the key rotation has published a key, `503 service_unavailable` with
         *     `Retry-After: 5`.
         */
        get: operations["getJwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/openid-configuration": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * OpenID discovery document
         * @description The issuer and where its keys are, for JWT verifiers (API Gateway's JWT authorizer reads it).
         */
        get: operations["getOpenIdConfiguration"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/apple-app-site-association": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The iOS apps that may use passkeys for this domain
         * @description Apple's association file, listing `IOS_APP_IDS` (`TEAMID.bundle.id`) under `webcredentials`. `404 not_found` while `IOS_APP_IDS` is unset. Apple fetches it from the root of the relying party's domain, so the API must be served at the root of a custom domain.
         */
        get: operations["getAppleAppSiteAssociation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/assetlinks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The Android apps that may use passkeys for this domain
         * @description Google's Digital Asset Links statements granting each `ANDROID_APPS` package `delegate_permission/common.get_login_creds` with its signing certificates' SHA-256 fingerprints. `404 not_found` while `ANDROID_APPS` is unset. Served at the root of the relying party's domain, as the association file is.
         */
        get: operations["getAssetLinks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document, as JSON
         * @description Generate clients from it: see `examples/client/README.md`.
         */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        SendOtpRequest: {
            /**
             * @description An international number with its `+` and calling code; spaces, `-`, `.`, `(` and `)` are
             *     allowed between digits. Anything else is `400 invalid_phone_number`.
             * @example +919876543210
             */
            phone_number: string;
        };
        VerifyOtpRequest: {
            /**
             * @description The number the code was sent to, spelled in any way `/send-otp` accepts.
             * @example +919876543210
             */
            phone_number: string;
            /**
             * @description The 6-digit code from the SMS (ASCII digits).
             * @example 123456
             */
            otp: string;
        };
        RefreshRequest: {
            /** @description The latest refresh token of the session (opaque). */
            refresh: string;
        };
        LogoutRequest: {
            /** @description The latest refresh token of the session (opaque), or the one it replaced. */
            refresh: string;
            /** @description `true`: end every session of the user; absent or `false`: this session only. */
            all?: boolean;
        };
        /** @description Empty; any member is ignored. */
        PasskeyOptionsRequest: Record<string, never>;
        PasskeyVerifyRequest: {
            credential: components["schemas"]["PasskeyAssertion"];
        };
        /**
         * @description `AuthenticationResponseJSON` (WebAuthn Level 3): the `PublicKeyCredential` that
         *     `navigator.credentials.get()` returned, as its `toJSON()` writes it. Binary values are
         *     base64url without padding.
         */
        PasskeyAssertion: {
            /** @description The credential id. */
            id: string;
            /** @description The credential id again (the same string). */
            rawId: string;
            /** @constant */
            type: "public-key";
            response: {
                clientDataJSON: string;
                authenticatorData: string;
                signature: string;
                /** @description The user's id as enrolled; a passkey always returns it (absent or null is `401 invalid_passkey`). */
                userHandle?: string | null;
            };
            clientExtensionResults?: Record<string, never>;
            authenticatorAttachment?: string | null;
        };
        PasskeyRequestOptions: {
            /** @description The RP ID (`WEBAUTHN_RP_ID`) the passkeys are bound to. */
            rpId: string;
            /** @description 32 random bytes, base64url; single-use, valid `PASSKEY_CHALLENGE_TTL_SECONDS`. */
            challenge: string;
            /** @description Always empty: discoverable credentials. */
            allowCredentials: Record<string, never>[];
            /** @description Milliseconds the ceremony may take (the challenge's lifetime). */
            timeout: number;
            /** @constant */
            userVerification: "preferred";
        };
        OtpSent: {
            /** @constant */
            message: "OTP sent";
            /** @description Seconds the code stays valid once the SMS provider accepted it (`OTP_TTL_SECONDS`). */
            expires_in: number;
        };
        TokenPair: {
            /** @description The access token, an RS256 JWT. Send it as `Authorization: Bearer <access>`. */
            access: string;
            /** @description The refresh token. Opaque; store it securely and send it only to `/token/refresh` and `/logout`. */
            refresh: string;
            /** @constant */
            token_type: "Bearer";
            /** @description Seconds until the access token expires (never past the end of its refresh family). */
            expires_in: number;
        };
        Me: {
            /** @description The user's stable, opaque id (the JWT `sub`); never the phone number. */
            sub: string;
            /** @description The verified number, E.164. */
            phone_number: string;
            /** @constant */
            phone_number_verified: true;
        };
        Jwks: {
            keys: components["schemas"]["Jwk"][];
        };
        /** @description The public half of an RSA signing key (RFC 7517). No private member is ever served. */
        Jwk: {
            /** @constant */
            kty: "RSA";
            /** @description The key's RFC 7638 thumbprint; the `kid` header of the tokens it signs. */
            kid: string;
            /** @constant */
            alg: "RS256";
            /** @constant */
            use: "sig";
            n: string;
            e: string;
        };
        OpenIdConfiguration: {
            /**
             * Format: uri
             * @description The JWT `iss` (`ISSUER`; by default the API's URL).
             */
            issuer: string;
            /** Format: uri */
            jwks_uri: string;
            /** Format: uri */
            token_endpoint: string;
            /** Format: uri */
            userinfo_endpoint: string;
            response_types_supported: string[];
            subject_types_supported: string[];
            id_token_signing_alg_values_supported: string[];
            token_endpoint_auth_methods_supported: string[];
            claims_supported: string[];
        };
        AppleAppSiteAssociation: {
            webcredentials: {
                apps: string[];
            };
        };
        AssetLinks: {
            relation: "delegate_permission/common.get_login_creds"[];
            target: {
                /** @constant */
                namespace: "android_app";
                package_name: string;
                sha256_cert_fingerprints: string[];
            };
        }[];
        /** @description An OpenAPI 3.1 document. */
        OpenApiDocument: {
            openapi: string;
            info: Record<string, never>;
            paths: Record<string, never>;
        } & {
            [key: string]: unknown;
        };
        /** @description `{}`: the request has no fields. */
        EmptyRequest: Record<string, never>;
        AddPasskeyRequest: {
            credential: components["schemas"]["RegistrationResponseJSON"];
            /** @description What the user calls the passkey (trimmed; no control characters). Default `Passkey`. */
            name?: string;
        };
        /**
         * @description WebAuthn Level 3 `RegistrationResponseJSON`, as a browser's `credential.toJSON()` or a
         *     platform passkey API gives it. Only the top level is described; the rest is verified.
         */
        RegistrationResponseJSON: {
            id: components["schemas"]["CredentialId"];
            rawId: components["schemas"]["CredentialId"];
            /** @constant */
            type: "public-key";
            response: {
                clientDataJSON: string;
                attestationObject: string;
                transports?: string[];
            };
            clientExtensionResults?: Record<string, never>;
            authenticatorAttachment?: string;
        };
        /**
         * @description WebAuthn Level 3 `PublicKeyCredentialCreationOptionsJSON`. The top level is described; pass
         *     the whole object to the platform as it is.
         */
        PublicKeyCredentialCreationOptionsJSON: {
            /** @description 32 random bytes, base64url. Single-use; valid `PASSKEY_CHALLENGE_TTL_SECONDS`. */
            challenge: string;
            rp: {
                name: string;
                id: string;
            };
            user: {
                /** @description The UTF-8 bytes of the `sub`, base64url (the user handle a sign-in returns). */
                id: string;
                name: string;
                displayName: string;
            };
            pubKeyCredParams: {
                alg: number;
                type: string;
            }[];
            /** @description Milliseconds; the challenge's lifetime. */
            timeout: number;
            attestation: string;
            excludeCredentials: {
                id: components["schemas"]["CredentialId"];
                type: string;
                transports?: string[];
            }[];
            authenticatorSelection: {
                residentKey?: string;
                userVerification?: string;
                requireResidentKey?: boolean;
            };
            extensions?: Record<string, never>;
            hints?: string[];
        };
        /** @description A credential id, base64url without padding (at most 1023 bytes). */
        CredentialId: string;
        PasskeyAdded: {
            id: components["schemas"]["CredentialId"];
            name: string;
            /**
             * Format: date-time
             * @description UTC, to the second (`2026-12-06T05:40:00Z`).
             */
            created_at: string;
            /** @description Synced to the user's other devices (a synced passkey), as the device said. */
            backed_up: boolean;
            /** @description How a client may reach the authenticator (`internal`, `hybrid`, `usb`, ...). */
            transports: string[];
        };
        Passkey: {
            id: components["schemas"]["CredentialId"];
            name: string;
            /**
             * Format: date-time
             * @description UTC, to the second (`2026-12-06T05:40:00Z`).
             */
            created_at: string;
            /**
             * Format: date-time
             * @description The last sign-in with it, UTC to the second; `null` if never.
             */
            last_used_at: string | null;
            /** @description Synced to the user's other devices, as of its last use. */
            backed_up: boolean;
            transports: string[];
        };
        PasskeyList: {
            passkeys: components["schemas"]["Passkey"][];
        };
        /**
         * @description What went wrong, for programs. The set is closed: a new code is a breaking change.
         *     `internal_error` is the only code no `AuthError` carries.
         * @enum {string}
         */
        ErrorCode: "invalid_request" | "invalid_phone_number" | "country_not_allowed" | "unsupported_phone_number" | "invalid_otp" | "invalid_token" | "recent_login_required" | "phone_number_taken" | "passkey_rejected" | "passkey_limit_reached" | "not_found" | "method_not_allowed" | "payload_too_large" | "unsupported_media_type" | "too_many_attempts" | "rate_limited" | "sms_unavailable" | "service_unavailable" | "invalid_passkey" | "internal_error";
        /** @description Every error the service answers. */
        Error: {
            /** @description A sentence for people, the same for every answer with this code. Do not parse it. */
            error: string;
            code: components["schemas"]["ErrorCode"];
        };
        InvalidTokenError: components["schemas"]["Error"] & {
            /** @constant */
            code?: "invalid_token";
        };
        /** @description An answer of API Gateway itself, before or instead of the function (AWS only). */
        GatewayMessage: {
            message: string;
        };
    };
    responses: {
        /** @description The code was sent (or, under closed signup to an unknown number, the same answer and no SMS). */
        OtpSent: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OtpSent"];
            };
        };
        /** @description A new access token and refresh token. */
        Tokens: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["TokenPair"];
            };
        };
        /** @description The family is revoked (or was already, by this token). */
        LoggedOut: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description The verified claims of the access token. */
        Me: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Me"];
            };
        };
        /** @description The public keys. */
        Jwks: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlPublic"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Jwks"];
            };
        };
        /** @description The discovery document. */
        OpenIdConfiguration: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlPublic"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OpenIdConfiguration"];
            };
        };
        /** @description The iOS apps that may use passkeys for this domain. */
        AppleAppSiteAssociation: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlPublic"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["AppleAppSiteAssociation"];
            };
        };
        /** @description The Android apps that may use passkeys for this domain. */
        AssetLinks: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlPublic"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["AssetLinks"];
            };
        };
        /** @description This document. */
        OpenApiDocument: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlPublic"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OpenApiDocument"];
            };
        };
        /** @description The user and every session are gone. */
        AccountDeleted: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description The number belongs to another user. Nothing was sent. */
        PhoneNumberTaken: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "phone_number_taken";
                };
            };
        };
        /**
         * @description The access token is valid, but the login behind it (`auth_time`) is older than
         *     `RECENT_LOGIN_MAX_AGE_SECONDS`, or the token has no `auth_time`. Nothing was changed, sent or
         *     charged. Log in again with a code sent to the current number (`/send-otp`, `/verify-otp`)
         *     and retry with the new access token; refreshing does not help, as a refresh keeps
         *     `auth_time`.
         */
        RecentLoginRequired: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "recent_login_required";
                };
            };
        };
        /** @description The options for `navigator.credentials.create()`. */
        PasskeyCreationOptions: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["PublicKeyCredentialCreationOptionsJSON"];
            };
        };
        /** @description The passkey is the user's; it signs in with `POST /passkey/verify`. */
        PasskeyAdded: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["PasskeyAdded"];
            };
        };
        /** @description The user's passkeys, oldest first. */
        PasskeyList: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["PasskeyList"];
            };
        };
        /** @description The passkey is removed. */
        PasskeyRemoved: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /**
         * @description `invalid_request`: the body is not `{"credential": <RegistrationResponseJSON>, "name"?:
         *     string}` with a usable name. `passkey_rejected`: the registration response does not verify,
         *     answers a challenge that is spent, expired, another user's or not a registration's, or names
         *     a credential the user already has. Nothing was stored; why is logged, never answered.
         */
        PasskeyBadRequest: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @enum {string} */
                    code?: "invalid_request" | "passkey_rejected";
                };
            };
        };
        /** @description The user has `PASSKEYS_PER_USER_MAX` passkeys. Nothing was stored; remove one first. */
        PasskeyLimitReached: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "passkey_limit_reached";
                };
            };
        };
        /**
         * @description AWS only: API Gateway routed the trailing-slash spelling to the `$default` function, which
         *     redirects to the slash-free path. `308` keeps the method and the body.
         */
        SlashFreeRedirect: {
            headers: {
                Location: components["headers"]["Location"];
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /**
         * @description The body or the phone number is not acceptable: not a valid number, from a country not
         *     served (`ALLOWED_COUNTRIES`), or of a type that may not receive codes (`ALLOWED_NUMBER_TYPES`;
         *     by default only mobile numbers and those that may be mobile: premium-rate, toll-free, shared-cost,
         *     personal, VoIP, UAN, pager, voicemail and fixed-line numbers are `unsupported_phone_number`,
         *     and so are numbers of no country, such as +870 and +881 satellite phones, unless
         *     `ALLOWED_GLOBAL_CALLING_CODES` names their calling code).
         */
        SendOtpBadRequest: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @enum {string} */
                    code?: "invalid_request" | "invalid_phone_number" | "country_not_allowed" | "unsupported_phone_number";
                };
            };
        };
        /**
         * @description The body or the phone number is not acceptable, or the code is wrong, expired or used, no
         *     code is pending or the number is unknown (all one answer, `invalid_otp`). `otp` must be
         *     exactly 6 ASCII digits (`invalid_request` otherwise).
         */
        VerifyOtpBadRequest: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @enum {string} */
                    code?: "invalid_request" | "invalid_phone_number" | "country_not_allowed" | "unsupported_phone_number" | "invalid_otp";
                };
            };
        };
        /** @description The body is not a JSON object with the fields of the right types. */
        RequestInvalid: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "invalid_request";
                };
            };
        };
        /** @description Local server only: a request target no URL parser accepts (`GET http://[/me`). */
        RequestTargetInvalid: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "invalid_request";
                };
            };
        };
        /** @description The refresh token is unknown, spent (its family is now revoked), revoked or expired. */
        RefreshTokenInvalid: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["InvalidTokenError"];
            };
        };
        /**
         * @description The access token is missing, malformed, not RS256, signed by an unknown key, expired, for
         *     another issuer or audience, or not an access token. In AWS the JWT authorizer answers
         *     before the function with `{"message":"Unauthorized"}` (and `WWW-Authenticate`); locally,
         *     and when the function itself refuses the token, the body is the usual error.
         */
        AccessTokenInvalid: {
            headers: {
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["InvalidTokenError"] | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description No route has this path. */
        NotFound: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "not_found";
                };
            };
        };
        /** @description A route has this path, but not this method. */
        MethodNotAllowed: {
            headers: {
                Allow: components["headers"]["Allow"];
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "method_not_allowed";
                };
            };
        };
        /** @description The body is over 64 KiB (API Gateway itself refuses bodies over 10 MB). */
        PayloadTooLarge: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "payload_too_large";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description The `Content-Type` is not `application/json`. */
        UnsupportedMediaType: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "unsupported_media_type";
                };
            };
        };
        /**
         * @description `too_many_attempts`: the number is locked after too many wrong codes (even the right code
         *     is refused) until `Retry-After`. `rate_limited`: a send limit is reached (cooldown, hour,
         *     day, client IP, or the destination country's hourly budget, whose `Retry-After` is the end of
         *     the hour), or the number is so contended that the write lost every race. In AWS, also API
         *     Gateway's route throttling.
         */
        LoginRefused: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @enum {string} */
                    code?: "too_many_attempts" | "rate_limited";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description `PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3) for `navigator.credentials.get()`. */
        PasskeyRequestOptions: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["PasskeyRequestOptions"];
            };
        };
        /**
         * @description The passkey did not sign anyone in, whatever the reason (logged, never answered): offer the
         *     SMS login. Ask `/passkey/options` again before another try: a challenge is single-use.
         */
        PasskeyInvalid: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "invalid_passkey";
                };
            };
        };
        /**
         * @description `rate_limited`: the client IP's hourly passkey budget (`PASSKEY_MAX_PER_IP_PER_HOUR`, both
         *     passkey routes together) is spent until `Retry-After` (the end of the hour). In AWS, also API
         *     Gateway's route throttling.
         */
        PasskeyRateLimited: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "rate_limited";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description AWS only: API Gateway's route throttling. */
        Throttled: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["GatewayMessage"];
            };
        };
        /**
         * @description A bug, an access denial or a corrupt key document: the cause is logged (redacted), the body
         *     says nothing. In AWS, also API Gateway's answer for a function that crashed.
         */
        InternalError: {
            headers: {
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "internal_error";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /**
         * @description Retry after `Retry-After` seconds: AWS throttling, timing out, unreachable or failing after
         *     the SDK's retries (`Retry-After: 1`); the signing key not published yet, right after the
         *     first deploy (`Retry-After: 5`); the local server still starting (`Retry-After: 1`). In AWS,
         *     also API Gateway's answer for a function that timed out.
         */
        ServiceUnavailable: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "service_unavailable";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /**
         * @description Retry after `Retry-After` seconds, for any reason `ServiceUnavailable` gives, and one more:
         *     with a claims hook configured (the construct's `claims`; `CLAIMS_HOOK` locally), the hook
         *     failed (`Retry-After: 5`): it threw, did not answer within `CLAIMS_HOOK_TIMEOUT_MS`, answered
         *     anything but `{"claims": {...}}`, set a reserved claim, or more than 2048 bytes of claims.
         *     Nothing was issued and nothing spent: the same code, passkey assertion or refresh token works
         *     on retry, with no new SMS.
         */
        TokensUnavailable: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @constant */
                    code?: "service_unavailable";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
        /**
         * @description `sms_unavailable`: the SMS provider failed (the send still counts against the limits; no
         *     `Retry-After`). `service_unavailable`: as for every route (see `ServiceUnavailable`).
         */
        SendOtpUnavailable: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "Cache-Control": components["headers"]["CacheControlNoStoreFromService"];
                [name: string]: unknown;
            };
            content: {
                "application/json": (components["schemas"]["Error"] & {
                    /** @enum {string} */
                    code?: "sms_unavailable" | "service_unavailable";
                }) | components["schemas"]["GatewayMessage"];
            };
        };
    };
    parameters: never;
    requestBodies: {
        SendOtp: {
            content: {
                "application/json": components["schemas"]["SendOtpRequest"];
            };
        };
        VerifyOtp: {
            content: {
                "application/json": components["schemas"]["VerifyOtpRequest"];
            };
        };
        PasskeyOptions: {
            content: {
                "application/json": components["schemas"]["PasskeyOptionsRequest"];
            };
        };
        PasskeyVerify: {
            content: {
                "application/json": components["schemas"]["PasskeyVerifyRequest"];
            };
        };
        Refresh: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        Logout: {
            content: {
                "application/json": components["schemas"]["LogoutRequest"];
            };
        };
        Empty: {
            content: {
                "application/json": components["schemas"]["EmptyRequest"];
            };
        };
        AddPasskey: {
            content: {
                "application/json": components["schemas"]["AddPasskeyRequest"];
            };
        };
    };
    headers: {
        /** @description Never cached (token answers must not be, RFC 6749 section 5.1; nothing else here gains from it). */
        CacheControlNoStore: "no-store";
        /** @description `no-store` on every answer of the service; absent from answers of API Gateway itself. */
        CacheControlNoStoreFromService: "no-store";
        /** @description Public and cacheable for five minutes. */
        CacheControlPublic: "public, max-age=300";
        /**
         * @description Whole seconds to wait before retrying. Sent with every `429` and `503` answer of the service
         *     except `503 sms_unavailable`; absent from answers of API Gateway itself.
         */
        RetryAfter: number;
        /**
         * @description `Bearer` with an `error` parameter when the JWT authorizer (or locally, its stand-in) refused
         *     the token: locally `Bearer error="invalid_token"`, in AWS also with `scope` and an
         *     `error_description`.
         */
        WwwAuthenticate: string;
        /** @description The methods the path accepts. */
        Allow: string;
        /** @description The slash-free path, relative to the request's path (works behind a custom domain's base path). */
        Location: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    sendOtp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["SendOtp"];
        responses: {
            200: components["responses"]["OtpSent"];
            400: components["responses"]["SendOtpBadRequest"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["SendOtpUnavailable"];
        };
    };
    verifyOtp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["VerifyOtp"];
        responses: {
            200: components["responses"]["Tokens"];
            400: components["responses"]["VerifyOtpBadRequest"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["TokensUnavailable"];
        };
    };
    passkeyOptions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["PasskeyOptions"];
        responses: {
            200: components["responses"]["PasskeyRequestOptions"];
            400: components["responses"]["RequestInvalid"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["PasskeyRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    passkeyVerify: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["PasskeyVerify"];
        responses: {
            200: components["responses"]["Tokens"];
            400: components["responses"]["RequestInvalid"];
            401: components["responses"]["PasskeyInvalid"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["PasskeyRateLimited"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["TokensUnavailable"];
        };
    };
    refreshToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["Refresh"];
        responses: {
            200: components["responses"]["Tokens"];
            400: components["responses"]["RequestInvalid"];
            401: components["responses"]["RefreshTokenInvalid"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["TokensUnavailable"];
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["Logout"];
        responses: {
            204: components["responses"]["LoggedOut"];
            400: components["responses"]["RequestInvalid"];
            401: components["responses"]["RefreshTokenInvalid"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Me"];
            401: components["responses"]["AccessTokenInvalid"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: components["responses"]["AccountDeleted"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    requestPhoneNumberChange: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["SendOtp"];
        responses: {
            200: components["responses"]["OtpSent"];
            400: components["responses"]["SendOtpBadRequest"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            409: components["responses"]["PhoneNumberTaken"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["SendOtpUnavailable"];
        };
    };
    verifyPhoneNumberChange: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["VerifyOtp"];
        responses: {
            200: components["responses"]["Tokens"];
            400: components["responses"]["VerifyOtpBadRequest"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            409: components["responses"]["PhoneNumberTaken"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["TokensUnavailable"];
        };
    };
    passkeyCreationOptions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["Empty"];
        responses: {
            200: components["responses"]["PasskeyCreationOptions"];
            400: components["responses"]["RequestInvalid"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listPasskeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["PasskeyList"];
            401: components["responses"]["AccessTokenInvalid"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    addPasskey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: components["requestBodies"]["AddPasskey"];
        responses: {
            201: components["responses"]["PasskeyAdded"];
            400: components["responses"]["PasskeyBadRequest"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            409: components["responses"]["PasskeyLimitReached"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["LoginRefused"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    removePasskey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The passkey's `id` (the credential id, base64url, as `GET /me/passkeys` lists it). */
                id: components["schemas"]["CredentialId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: components["responses"]["PasskeyRemoved"];
            400: components["responses"]["RequestInvalid"];
            401: components["responses"]["AccessTokenInvalid"];
            403: components["responses"]["RecentLoginRequired"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getJwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Jwks"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOpenIdConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["OpenIdConfiguration"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAppleAppSiteAssociation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["AppleAppSiteAssociation"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAssetLinks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["AssetLinks"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["OpenApiDocument"];
            429: components["responses"]["Throttled"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
