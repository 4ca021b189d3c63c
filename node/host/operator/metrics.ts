/** A minimal Prometheus registry: counters the host bumps and gauges read when scraped. Text format 0.0.4. */
type Labels = Readonly<Record<string, string>>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
  read?: () => number;
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): (amount?: number, labels?: Labels) => void {
    const family = this.family(name, help, 'counter');
    return (amount = 1, labels = {}) => {
      const key = labelKey(labels);
      const entry = family.values.get(key);
      if (entry) entry.value += amount;
      else family.values.set(key, { labels, value: amount });
    };
  }

  /** A gauge whose value is read at scrape time. */
  gauge(name: string, help: string, read: () => number | bigint): void {
    const family = this.family(name, help, 'gauge');
    family.read = () => Number(read());
  }

  render(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      if (f.read) lines.push(`${f.name} ${format(f.read())}`);
      for (const { labels, value } of f.values.values()) lines.push(`${f.name}${labelText(labels)} ${format(value)}`);
      if (!f.read && f.values.size === 0) lines.push(`${f.name} 0`);
    }
    return `${lines.join('\n')}\n`;
  }

  private family(name: string, help: string, type: Family['type']): Family {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
    let family = this.families.get(name);
    if (!family) {
      family = { name, help, type, values: new Map() };
      this.families.set(name, family);
    }
    return family;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function format(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
}
