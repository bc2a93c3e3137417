// Where the element gets the signed-in user's Supabase access token from, in the order a portal would
// set them: a getter it calls for every request, a SupabaseClient whose session it reads (and whose
// sign-in and sign-out it follows), or a fixed token.

import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The part of a SupabaseClient the element uses; supabase-js is a peer, never bundled. */
export interface SupabaseAuthLike {
  auth: {
    getSession(): Promise<{ data: { session: { access_token: string } | null } }>;
    onAuthStateChange(callback: (event: string) => void): {
      data: { subscription: { unsubscribe(): void } };
    };
  };
}

export interface AccessTokenSources {
  accessToken?: string | undefined;
  getAccessToken?: (() => Promise<string | null | undefined>) | undefined;
  supabase?: SupabaseAuthLike | undefined;
}

export class AccessTokenController implements ReactiveController {
  #followed?: SupabaseAuthLike;
  #subscription?: { unsubscribe(): void };

  constructor(
    private readonly host: ReactiveControllerHost & AccessTokenSources,
    /** Called when the user signs in or out of the SupabaseClient. */
    private readonly onSignInChange: () => void,
  ) {
    host.addController(this);
  }

  /** Whether the page gave the element any way to get a token at all. */
  get configured(): boolean {
    const { accessToken, getAccessToken, supabase } = this.host;
    return Boolean(accessToken || getAccessToken || supabase);
  }

  async token(): Promise<string | null> {
    const { accessToken, getAccessToken, supabase } = this.host;
    if (getAccessToken) return (await getAccessToken()) ?? null;
    if (supabase) return (await supabase.auth.getSession()).data.session?.access_token ?? null;
    return accessToken ?? null;
  }

  hostConnected() {
    this.#follow();
  }

  hostUpdate() {
    if (this.host.supabase !== this.#followed) this.#follow();
  }

  hostDisconnected() {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    this.#followed = undefined;
  }

  #follow() {
    this.#subscription?.unsubscribe();
    this.#followed = this.host.supabase;
    this.#subscription = this.#followed?.auth.onAuthStateChange((event) => {
      // The initial session is read by the first refresh anyway; a refreshed token changes nothing shown.
      if (event !== 'INITIAL_SESSION' && event !== 'TOKEN_REFRESHED') this.onSignInChange();
    }).data.subscription;
  }
}
