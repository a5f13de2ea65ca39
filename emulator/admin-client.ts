// Typed client of the emulator's admin API, for tests and the demo.

export interface FaultSpec {
  action: string;
  /**
   * error (default): answer code/httpStatus; reset: reset the connection; hang: never answer;
   * deny: RAM refuses the action (403 Forbidden.RAM), as for a policy without it.
   */
  kind?: 'error' | 'reset' | 'hang' | 'deny';
  errorRate?: number;
  code?: string;
  httpStatus?: number;
  message?: string;
  latencyMs?: number;
}

export interface AdminContainerGroup {
  containerGroupId: string;
  name: string;
  status: string;
  zoneId: string;
  vSwitchId: string;
  intranetIp: string;
  tags: { Key: string; Value: string }[];
  createdAt: string;
  /** The normalised CreateContainerGroup request (wire names, numbers and booleans parsed). */
  request: Record<string, unknown> & {
    ContainerGroupName: string;
    Container: (Record<string, unknown> & { Name: string; Image: string })[];
  };
}

export class EmulatorAdmin {
  private readonly base: string;
  constructor(url: string) {
    this.base = `${url.replace(/\/$/, '')}/_emulator`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Calls per action since start (or the last reset/clearCalls). */
  calls(): Promise<Record<string, number>> {
    return this.call('GET', '/calls');
  }
  async callCount(action: string): Promise<number> {
    return (await this.calls())[action] ?? 0;
  }
  clearCalls(): Promise<void> {
    return this.call('DELETE', '/calls');
  }
  setFault(fault: FaultSpec): Promise<void> {
    return this.call('POST', '/faults', fault);
  }
  /** Clears the fault of one action, or all of them. */
  clearFaults(action?: string): Promise<void> {
    return this.call('DELETE', '/faults', action ? { action } : {});
  }
  setStock(
    zoneId: string,
    outOfStock: boolean,
    mode: 'reject' | 'schedule-failed' = 'reject',
  ): Promise<void> {
    return this.call('POST', '/stock', { zoneId, outOfStock, mode });
  }
  expire(containerGroupId: string): Promise<void> {
    return this.call('POST', '/expire', { containerGroupId });
  }
  /**
   * Every group with its stored request. Env values, config-file contents, registry
   * passwords and other credentials read `[redacted]` unless `{ reveal: 'secrets' }`.
   */
  containerGroups(options: { reveal?: 'secrets' } = {}): Promise<AdminContainerGroup[]> {
    return this.call(
      'GET',
      options.reveal ? `/container-groups?reveal=${options.reveal}` : '/container-groups',
    );
  }
  /** Prometheus text of the emulator's own metrics. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.base}/metrics`);
    if (!res.ok) throw new Error(`emulator admin GET /metrics: ${res.status}`);
    return res.text();
  }
  privateZones(): Promise<unknown[]> {
    return this.call('GET', '/privatezone');
  }
  reset(): Promise<void> {
    return this.call('POST', '/reset', {});
  }
}
