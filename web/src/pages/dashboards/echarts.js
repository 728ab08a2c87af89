// echarts.js — ECharts tree-shaken to what the dashboards draw (bar, line,
// heatmap on a canvas). Imported only from the dashboard chunk, never from
// the first page.
import { use, init } from 'echarts/core'
import { BarChart, LineChart, HeatmapChart } from 'echarts/charts'
import {
  GridComponent, TooltipComponent, VisualMapContinuousComponent, MarkPointComponent, MarkLineComponent,
  LegendComponent, AriaComponent,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, HeatmapChart, GridComponent, TooltipComponent, VisualMapContinuousComponent,
  MarkPointComponent, MarkLineComponent, LegendComponent, AriaComponent, CanvasRenderer])

export { init }
