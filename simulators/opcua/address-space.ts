import { DataType, StatusCodes, type StatusCode, type Namespace, type UAObject, type UAVariable } from 'node-opcua';

/** One simulated variable: where it is and how to refresh it. */
export interface SimVariable {
  nodeId: string;
  variable: UAVariable;
  dataType: DataType.Double | DataType.Boolean;
}

export interface VariableSpec {
  name: string;
  unit?: string;
  range?: [number, number];
  boolean?: boolean;
  /** Fastest the server samples it, ms (Part 3 §5.6.2); 0: every change is reported (exception-based). Default 10. */
  minimumSamplingInterval?: number;
}

/** Units from UNECE Rec. 20 (Part 8 §5.6.3 EUInformation), as AnalogItemType expects. */
const UNITS: Record<string, { unitId: number; displayName: string; description: string }> = {
  degC: { unitId: 4408652, displayName: '°C', description: 'degree Celsius' },
  'mm/s': { unitId: 4403510, displayName: 'mm/s', description: 'millimetre per second' },
  A: { unitId: 4279632, displayName: 'A', description: 'ampere' },
  'm3/h': { unitId: 5067859, displayName: 'm³/h', description: 'cubic metre per hour' },
  rpm: { unitId: 5059640, displayName: 'rpm', description: 'revolutions per minute' },
  '%': { unitId: 20529, displayName: '%', description: 'percent' },
  bar: { unitId: 4342098, displayName: 'bar', description: 'bar [unit of pressure]' },
  Pa: { unitId: 5259596, displayName: 'Pa', description: 'pascal' },
  mbar: { unitId: 5063250, displayName: 'mbar', description: 'millibar' },
};

/**
 * Adds a variable under `parent` with a string NodeId `<prefix>.<name>`. Numbers are
 * AnalogItemType with EURange, so that percent deadbands (Part 4 §7.17.2, Part 8 §5.3.2.4) work.
 * `minimumSamplingInterval` 10 ms by default: without it node-opcua samples at 1 s at best.
 */
export function addVariable(ns: Namespace, parent: UAObject, prefix: string, spec: VariableSpec): SimVariable {
  const nodeId = `${prefix}.${spec.name}`;
  const common = { componentOf: parent, browseName: spec.name, nodeId: `s=${nodeId}`, minimumSamplingInterval: spec.minimumSamplingInterval ?? 10, accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite' } as const;
  if (spec.boolean) {
    const variable = ns.addVariable({ ...common, dataType: 'Boolean', value: { dataType: DataType.Boolean, value: false } });
    return { nodeId, variable, dataType: DataType.Boolean };
  }
  const [low, high] = spec.range ?? [0, 100];
  const unit = spec.unit ? UNITS[spec.unit] : undefined;
  const variable = ns.addAnalogDataItem({
    ...common,
    dataType: 'Double',
    engineeringUnitsRange: { low, high },
    ...(unit ? { engineeringUnits: { namespaceUri: 'http://www.opcfoundation.org/UA/units/un/cefact', unitId: unit.unitId, displayName: { text: unit.displayName }, description: { text: unit.description } } } : {}),
    value: { dataType: DataType.Double, value: 0 },
  }) as unknown as UAVariable;
  return { nodeId, variable, dataType: DataType.Double };
}

export function setValue(v: SimVariable, value: number | boolean, at: Date, status: StatusCode = StatusCodes.Good): void {
  v.variable.setValueFromSource({ dataType: v.dataType, value }, status, at);
}
