// placeholder until branch kpi lands (its file replaces this one on merge)
export interface KpiCount { journey: string; step: string; variant: string; day: string; outcome: string; count: number }
export interface KpiStore { add(counts: KpiCount[]): Promise<void>; read(query: { journeys?: string[]; fromDay: string; toDay: string }): Promise<KpiCount[]> }
