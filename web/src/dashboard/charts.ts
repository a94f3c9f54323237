import uPlot from 'uplot';
import { axisLabel, type DashboardLocale } from './format.js';

/** The series colours, in order; the browser test looks for them on the canvases. */
export const SERIES_COLOURS = ['#2457c5', '#c5242a', '#b36b00', '#0b6e4f'] as const;

/** One line of a chart: a value per bucket, null where the bucket has none. */
export interface LineSeries {
  label: string;
  values: Array<number | null>;
  colour?: string;
}

/** What {@link lineChart} draws. */
export interface LineChartOptions {
  /** Bucket starts, in ms. */
  times: number[];
  series: LineSeries[];
  /** Writes a y value for the axis and the legend. */
  format: (value: number) => string;
  /** Counts: the y axis ticks whole numbers only. */
  integers?: boolean;
  locale: DashboardLocale;
  timeZone: string;
  width: number;
  height?: number;
}

/**
 * A time chart in `host`: lines joining the buckets that have a value, each such bucket drawn as a visible point,
 * the time axis in the shop's time zone. uPlot sizes its elements through the CSSOM, allowed under `style-src
 * 'self'`.
 */
export function lineChart(host: HTMLElement, options: LineChartOptions): uPlot {
  const { times, series, format, locale, timeZone } = options;
  const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
  const narrow = options.width < 500;
  return new uPlot(
    {
      width: options.width,
      height: options.height ?? 220,
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone),
      // The legend names the lines; values show on hover as the cursor's points, not as "–" in the legend.
      legend: { show: true, live: false },
      cursor: { points: { size: 8 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {
          values: (_u, splits) => splits.map((v) => axisLabel(v, span, locale, timeZone)),
          space: narrow ? 70 : 90,
          size: 36,
        },
        {
          values: (_u, splits) => splits.map((v) => format(v)),
          // Wide enough for "1,5 min" or "600 ms" whole.
          size: narrow ? 64 : 80,
          ...(options.integers
            ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] }
            : {}),
        },
      ],
      series: [
        { value: (_u, v) => (v === null ? '–' : axisLabel(v, 0, locale, timeZone)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 7, fill: s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length] },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
        })),
      ],
    },
    [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
    host,
  );
}
