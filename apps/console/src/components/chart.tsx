import { BarChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkLineComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

export const PALETTE = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#f43f5e', '#8b5cf6', '#14b8a6', '#64748b', '#ec4899', '#84cc16'];

/**
 * An ECharts chart as an image with an accessible name. Tooltips render as rich text (no HTML),
 * so the console's Content-Security-Policy holds; `data-rendered` is set once it has drawn.
 */
export function Chart({ label, option, height = 320 }: { label: string; option: ChartOption; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const [rendered, setRendered] = useState(false);

  useEffect(() => {
    const instance = echarts.init(ref.current!, undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('finished', () => setRendered(true));
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(ref.current!);
    return () => {
      resize.disconnect();
      instance.dispose();
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        color: PALETTE,
        textStyle: { fontFamily: 'ui-sans-serif, system-ui, sans-serif' },
        tooltip: { trigger: 'axis', renderMode: 'richText' },
        animationDuration: 300,
        ...option,
      },
      { notMerge: true },
    );
  }, [option]);

  return <div ref={ref} role="img" aria-label={label} data-rendered={rendered} style={{ height }} className="w-full" />;
}
