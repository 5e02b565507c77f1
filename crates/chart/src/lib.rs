//! The score over time as an SVG chart: the projected total, an optional plan's total, the
//! standard score line and an optional deadline. Text is left to the viewer's fonts, so
//! Chinese labels render wherever the SVG is opened.

use chrono::NaiveDate;
use jifen_planner::{PlanDocument, Point};
use jifen_rules::Lang;
use plotters::prelude::*;

/// What the chart shows. Labels are given by the caller in the reader's language.
#[derive(Debug, Clone)]
pub struct ScoreChart<'a> {
    pub title: &'a str,
    pub baseline_label: &'a str,
    /// The y axis: points.
    pub y_label: &'a str,
    /// The projected totals over time, in date order.
    pub baseline: &'a [(NaiveDate, i64)],
    /// A plan's totals, drawn as a second line.
    pub plan: Option<(&'a str, &'a [(NaiveDate, i64)])>,
    pub standard: i64,
    pub standard_label: &'a str,
    pub deadline: Option<(NaiveDate, &'a str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("nothing to draw")]
    Empty,
    #[error("drawing failed: {0}")]
    Drawing(String),
}

const WIDTH: u32 = 960;
const HEIGHT: u32 = 540;
const FONT: &str = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif";

impl ScoreChart<'_> {
    /// Renders the chart as an SVG document.
    pub fn to_svg(&self) -> Result<String, ChartError> {
        let mut svg = String::new();
        self.draw(&mut svg).map_err(|e| ChartError::Drawing(e.to_string()))?;
        Ok(svg)
    }

    fn draw(&self, svg: &mut String) -> Result<(), Box<dyn std::error::Error + '_>> {
        let all = self.baseline.iter().chain(self.plan.iter().flat_map(|(_, series)| series.iter()));
        let (first, last) = match (all.clone().map(|p| p.0).min(), all.clone().map(|p| p.0).max()) {
            (Some(first), Some(last)) => (first, last.max(first.succ_opt().unwrap_or(first))),
            _ => return Err(Box::new(ChartError::Empty)),
        };
        let last = self.deadline.map_or(last, |(date, _)| last.max(date));
        // Show the band where the line and the standard are, not everything down to zero.
        let lowest = all.clone().map(|p| p.1).min().unwrap_or(0).min(self.standard);
        let low = if lowest >= 0 { (lowest - 30).max(0) / 10 * 10 } else { lowest - 10 };
        let high = (all.map(|p| p.1).max().unwrap_or(0).max(self.standard) + 29) / 10 * 10;

        let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, (FONT, 24))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(first..last, low..high)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|date| date.format("%Y-%m").to_string())
            .y_desc(self.y_label)
            .label_style((FONT, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;

        let red = RGBColor(200, 40, 40);
        chart
            .draw_series(LineSeries::new([(first, self.standard), (last, self.standard)], red.stroke_width(2)))?
            .label(self.standard_label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));

        let blue = RGBColor(30, 90, 180);
        chart
            .draw_series(LineSeries::new(step_points(self.baseline), blue.stroke_width(3)))?
            .label(self.baseline_label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], blue.stroke_width(3)));

        if let Some((label, series)) = self.plan {
            let green = RGBColor(20, 140, 70);
            chart
                .draw_series(LineSeries::new(step_points(series), green.stroke_width(3)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], green.stroke_width(3)));
        }
        if let Some((date, label)) = self.deadline {
            let gray = RGBColor(90, 90, 90);
            chart
                .draw_series(LineSeries::new([(date, low), (date, high)], gray.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], gray.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
        Ok(())
    }
}

/// The chart of a plan: the total as things are, the deadline plan's total when it has
/// actions, the standard line and the deadline, labelled in `lang`.
pub fn plan_chart(plan: &PlanDocument, lang: Lang) -> Result<String, ChartError> {
    let t = |zh: &'static str, en: &'static str| if lang == Lang::Zh { zh } else { en };
    let points = |series: &[Point]| series.iter().map(|p| (p.date, p.total)).collect::<Vec<_>>();
    let baseline = points(&plan.series);
    let deadline_series = plan.deadline.as_ref().filter(|d| !d.actions.is_empty()).map(|d| points(&d.series));
    let standard_label = format!("{} {}", t("标准分值", "standard"), plan.standard);
    ScoreChart {
        title: t("积分预测", "Projected points"),
        baseline_label: t("维持现状", "as things are"),
        y_label: t("积分", "points"),
        baseline: &baseline,
        plan: deadline_series.as_deref().map(|series| (t("按截止日期方案", "with the deadline plan"), series)),
        standard: plan.standard,
        standard_label: &standard_label,
        deadline: plan.deadline.as_ref().map(|d| (d.date, t("截止日期", "deadline"))),
    }
    .to_svg()
}

/// A bar chart of counts, one bar per label in the given order (the dashboards' figures by
/// state and by score band). An empty list, or one of zeros only, still draws its axes.
pub fn bar_chart(title: &str, y_label: &str, bars: &[(String, i64)]) -> Result<String, ChartError> {
    if bars.is_empty() {
        return Err(ChartError::Empty);
    }
    let mut svg = String::new();
    draw_bars(&mut svg, title, y_label, bars).map_err(|e| ChartError::Drawing(e.to_string()))?;
    Ok(svg)
}

fn draw_bars(
    svg: &mut String,
    title: &str,
    y_label: &str,
    bars: &[(String, i64)],
) -> Result<(), Box<dyn std::error::Error>> {
    // Horizontal bars: the labels (state names run to twenty Chinese characters) read
    // left of their bars instead of colliding under them; the first bar on top (the y axis
    // grows upwards, so they are drawn in reverse).
    let reversed: Vec<(String, i64)> = bars.iter().rev().cloned().collect();
    let bars = reversed.as_slice();
    let count = i32::try_from(bars.len()).unwrap_or(i32::MAX);
    let high = bars.iter().map(|bar| bar.1).max().unwrap_or(0).max(1);
    // Room beyond the longest bar, and whole-number ticks.
    let high = high + (high / 10).max(1);
    let longest = bars.iter().map(|bar| bar.0.chars().count()).max().unwrap_or(0);
    let label_width = u32::try_from(longest * 14 + 16).unwrap_or(u32::MAX).min(WIDTH / 2);
    let height = 90 + 30 * u32::try_from(bars.len()).unwrap_or(u32::MAX).min(60);
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0..high, (0..count).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => {
                usize::try_from(*index).ok().and_then(|i| bars.get(i)).map(|bar| bar.0.clone()).unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_labels(high.min(10) as usize)
        .x_label_formatter(&|value| value.to_string())
        .x_desc(y_label)
        .label_style((FONT, 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let blue = RGBColor(30, 90, 180);
    chart.draw_series(bars.iter().zip(0..).map(|(bar, index)| {
        let mut rect =
            Rectangle::new([(0, SegmentValue::Exact(index)), (bar.1, SegmentValue::Exact(index + 1))], blue.filled());
        rect.set_margin(4, 4, 0, 0);
        rect
    }))?;
    root.present()?;
    Ok(())
}

/// A score is a step function: it holds its value until the next change.
fn step_points(series: &[(NaiveDate, i64)]) -> Vec<(NaiveDate, i64)> {
    let mut points = Vec::with_capacity(series.len() * 2);
    for pair in series.windows(2) {
        points.push(pair[0]);
        points.push((pair[1].0, pair[0].1));
    }
    points.extend(series.last());
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn draws_lines_and_chinese_labels_into_svg() {
        let baseline = [(date(2025, 6, 30), 111), (date(2026, 6, 1), 114), (date(2027, 6, 1), 117)];
        let plan = [(date(2025, 6, 30), 111), (date(2026, 1, 1), 126)];
        let chart = ScoreChart {
            title: "积分预测",
            baseline_label: "维持现状",
            y_label: "积分",
            baseline: &baseline,
            plan: Some(("按方案", &plan)),
            standard: 120,
            standard_label: "标准分值 120",
            deadline: Some((date(2026, 9, 1), "截止日期")),
        };
        let svg = chart.to_svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        for text in ["积分预测", "维持现状", "按方案", "标准分值 120", "截止日期", "2026-"] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert!(svg.matches("<polyline").count() >= 4, "standard, baseline, plan and deadline lines");
    }

    #[test]
    fn an_empty_series_is_an_error() {
        let chart = ScoreChart {
            title: "",
            baseline_label: "",
            y_label: "",
            baseline: &[],
            plan: None,
            standard: 120,
            standard_label: "",
            deadline: None,
        };
        assert!(matches!(chart.to_svg(), Err(ChartError::Drawing(_))));
    }

    #[test]
    fn bars_are_drawn_with_their_labels() {
        let bars = [("受理".to_string(), 3), ("已批准".to_string(), 5), ("120–129".to_string(), 0)];
        let svg = bar_chart("按状态", "件数", &bars).unwrap();
        assert!(svg.starts_with("<svg"));
        for text in ["按状态", "受理", "已批准", "120–129", "件数"] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert!(svg.matches("<rect").count() >= 3, "a background and a bar per non-empty count");
        assert!(matches!(bar_chart("", "", &[]), Err(ChartError::Empty)));
    }

    #[test]
    fn steps_hold_their_value_until_the_next_change() {
        let points = step_points(&[(date(2025, 1, 1), 1), (date(2025, 2, 1), 5)]);
        assert_eq!(points, [(date(2025, 1, 1), 1), (date(2025, 2, 1), 1), (date(2025, 2, 1), 5)]);
    }
}
