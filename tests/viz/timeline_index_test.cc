#include "viz/timeline_index.h"

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

void add(google::protobuf::RepeatedPtrField<TimelineEvent>* events, uint32_t gpu, TimelineEvent::Kind kind,
         double start_s, double duration_s) {
  TimelineEvent* e = events->Add();
  e->set_gpu(gpu);
  e->set_kind(kind);
  e->set_start_s(start_s);
  e->set_duration_s(duration_s);
}

// One row of back-to-back events of `duration_s` each, starting at 0.
TimelineRow uniform_row(int n, double duration_s, TimelineEvent::Kind kind = TimelineEvent::EXPERT) {
  google::protobuf::RepeatedPtrField<TimelineEvent> events;
  for (int i = 0; i < n; ++i) add(&events, 0, kind, i * duration_s, duration_s);
  return TimelineIndex::build(events).lanes()[0].rows[0];
}

TEST(TimelineIndex, LanesPerGpuRowsPerKindSortedByStart) {
  google::protobuf::RepeatedPtrField<TimelineEvent> events;
  add(&events, 3, TimelineEvent::EXPERT, 5.0, 1.0);
  add(&events, 1, TimelineEvent::DISPATCH, 2.0, 0.5);
  add(&events, 3, TimelineEvent::DENSE, 1.0, 1.0);
  add(&events, 3, TimelineEvent::COMBINE, 7.0, 0.5);
  add(&events, 1, TimelineEvent::DENSE, 0.0, 2.0);
  const TimelineIndex index = TimelineIndex::build(events);
  EXPECT_EQ(index.num_events(), 5u);
  ASSERT_EQ(index.lanes().size(), 2u);  // GPUs 1 and 3 only
  EXPECT_EQ(index.lanes()[0].gpu, 1u);
  EXPECT_EQ(index.lanes()[1].gpu, 3u);
  const TimelineRow& compute3 = index.lanes()[1].rows[0];
  ASSERT_EQ(compute3.size(), 2u);
  EXPECT_DOUBLE_EQ(compute3.start_s[0], 1.0);  // dense before expert
  EXPECT_EQ(compute3.event[0], 2u);
  EXPECT_EQ(compute3.event[1], 0u);
  EXPECT_EQ(index.lanes()[1].rows[1].size(), 1u);  // combine is communication
  EXPECT_EQ(index.lanes()[0].rows[1].size(), 1u);  // dispatch too
  EXPECT_DOUBLE_EQ(index.begin_s(), 0.0);
  EXPECT_DOUBLE_EQ(index.end_s(), 7.5);
}

TEST(TimelineIndex, RowOfKind) {
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::DENSE), 0);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::GATING), 0);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::EXPERT), 0);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::WAIT), 0);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::DISPATCH), 1);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::COMBINE), 1);
  EXPECT_EQ(timeline_row_of_kind(TimelineEvent::MIGRATION), 1);
}

TEST(FirstEventEndingAfter, UsesPrefixMaximumOfEnds) {
  // [0,1) [1,2) [2,10) [3,4): the long third event still covers t = 5 after the fourth ended.
  google::protobuf::RepeatedPtrField<TimelineEvent> events;
  add(&events, 0, TimelineEvent::DENSE, 0, 1);
  add(&events, 0, TimelineEvent::DENSE, 1, 1);
  add(&events, 0, TimelineEvent::DENSE, 2, 8);
  add(&events, 0, TimelineEvent::DENSE, 3, 1);
  const TimelineIndex index = TimelineIndex::build(events);
  const TimelineRow& row = index.lanes()[0].rows[0];
  EXPECT_EQ(first_event_ending_after(row, 0.5), 0u);
  EXPECT_EQ(first_event_ending_after(row, 1.0), 1u);  // the first event ends exactly at 1
  EXPECT_EQ(first_event_ending_after(row, 2.5), 2u);
  EXPECT_EQ(first_event_ending_after(row, 5.0), 2u);
  EXPECT_EQ(first_event_ending_after(row, 10.0), 4u);
}

TEST(FoldRow, WideEventsAreDrawnOneByOne) {
  // 1000 events of 1 ms; window [100 ms, 110 ms] over 100 px: 10 px per event.
  const TimelineRow row = uniform_row(1000, 1e-3);
  std::vector<TimelineItem> items;
  fold_row(row, 0.100, 0.110, 50.0f, 100.0f, 3.0f, &items);
  ASSERT_EQ(items.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(items[i].count, 1u);
    EXPECT_EQ(items[i].first, static_cast<uint32_t>(100 + i));
    EXPECT_NEAR(items[i].x0, 50 + 10 * i, 1e-3);
    EXPECT_NEAR(items[i].x1, 60 + 10 * i, 1e-3);
  }
}

TEST(FoldRow, PartlyVisibleEventStartsLeftOfTheWindow) {
  const TimelineRow row = uniform_row(1000, 1e-3);
  std::vector<TimelineItem> items;
  fold_row(row, 0.1005, 0.1105, 0.0f, 100.0f, 3.0f, &items);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].first, 100u);
  EXPECT_NEAR(items[0].x0, -5.0f, 1e-3);
  EXPECT_EQ(items.size(), 11u);  // events 100..110, the last one partly visible
}

TEST(FoldRow, NarrowEventsFoldIntoFewBoxesAndNoneIsLost) {
  // 1000 events over 100 px: 0.1 px each. A 3 px fold takes 30 events, so 34 boxes cover all
  // 1000 once: never more boxes than pixels / min_px (plus one for the remainder).
  const TimelineRow row = uniform_row(1000, 1e-3);
  std::vector<TimelineItem> items;
  fold_row(row, 0.0, 1.0, 0.0f, 100.0f, 3.0f, &items);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.size(), 34u);
  uint32_t covered = 0, next = 0;
  for (const auto& it : items) {
    EXPECT_EQ(it.first, next);  // consecutive, no gaps, no overlap
    next = it.first + it.count;
    covered += it.count;
    EXPECT_EQ(it.kind, TimelineEvent::EXPERT);
  }
  EXPECT_EQ(covered, 1000u);
  // The last fold holds the few events left over; a fold is at least a pixel wide.
  EXPECT_GE(items.back().x1, 100.0f);
  EXPECT_LE(items.back().x1, 101.0f);
}

TEST(FoldRow, AMillionEventsCostWhatThePixelsShow) {
  const TimelineRow row = uniform_row(1000000, 1e-6);
  std::vector<TimelineItem> items;
  fold_row(row, 0.0, 1.0, 0.0f, 1500.0f, 3.0f, &items);
  EXPECT_LE(items.size(), 1500u / 3 + 1);
  uint64_t covered = 0;
  for (const auto& it : items) covered += it.count;
  EXPECT_EQ(covered, 1000000u);
}

TEST(FoldRow, FoldTakesTheKindUnderItsMiddle) {
  // Alternating dense/expert events of 1 ms, 10 px for 100 ms: a 3 px fold spans 30 ms, i.e.
  // events 0..29 (ending at 30 ms); its middle, 15 ms, falls in event 15, an expert event.
  google::protobuf::RepeatedPtrField<TimelineEvent> events;
  for (int i = 0; i < 100; ++i) add(&events, 0, i % 2 ? TimelineEvent::EXPERT : TimelineEvent::DENSE, i * 1e-3, 1e-3);
  const TimelineIndex index = TimelineIndex::build(events);
  const TimelineRow& row = index.lanes()[0].rows[0];
  std::vector<TimelineItem> items;
  fold_row(row, 0.0, 0.1, 0.0f, 10.0f, 3.0f, &items);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].count, 30u);
  EXPECT_EQ(items[0].kind, TimelineEvent::EXPERT);
}

TEST(FoldRow, GapBetweenNarrowEventsSplitsFolds) {
  // Two bursts of narrow events separated by 50 px of nothing must not merge into one box.
  google::protobuf::RepeatedPtrField<TimelineEvent> events;
  for (int i = 0; i < 10; ++i) add(&events, 0, TimelineEvent::DENSE, i * 1e-4, 1e-4);
  for (int i = 0; i < 10; ++i) add(&events, 0, TimelineEvent::DENSE, 0.5 + i * 1e-4, 1e-4);
  const TimelineIndex index = TimelineIndex::build(events);
  const TimelineRow& row = index.lanes()[0].rows[0];
  std::vector<TimelineItem> items;
  fold_row(row, 0.0, 1.0, 0.0f, 100.0f, 3.0f, &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].count, 10u);
  EXPECT_EQ(items[1].first, 10u);
  EXPECT_NEAR(items[1].x0, 50.0f, 1e-3);
}

TEST(TimeWindow, ZoomKeepsTheAnchorInPlace) {
  TimeWindow w{0, 10};
  TimeWindow z = zoom_window(w, 5, 0.5, 0, 10, 1e-9);
  EXPECT_DOUBLE_EQ(z.t0_s, 2.5);
  EXPECT_DOUBLE_EQ(z.t1_s, 7.5);
  z = zoom_window(w, 0, 0.5, 0, 10, 1e-9);
  EXPECT_DOUBLE_EQ(z.t0_s, 0);
  EXPECT_DOUBLE_EQ(z.t1_s, 5);
  // Anchor at 1/4 of [2, 6] (t = 3) stays at 1/4 of the new window.
  z = zoom_window({2, 6}, 3, 0.5, 0, 10, 1e-9);
  EXPECT_DOUBLE_EQ(z.t0_s, 2.5);
  EXPECT_DOUBLE_EQ(z.t1_s, 4.5);
}

TEST(TimeWindow, ZoomAndPanStayWithinLimits) {
  TimeWindow z = zoom_window({2, 4}, 3, 100, 0, 10, 1e-9);  // zoom out past the whole run
  EXPECT_DOUBLE_EQ(z.t0_s, 0);
  EXPECT_DOUBLE_EQ(z.t1_s, 10);
  z = zoom_window({2, 4}, 3, 1e-12, 0, 10, 1e-3);  // zoom in below the minimum span
  EXPECT_NEAR(z.span_s(), 1e-3, 1e-12);
  const TimeWindow p = pan_window({2, 4}, 10, 0, 10);
  EXPECT_DOUBLE_EQ(p.t0_s, 8);
  EXPECT_DOUBLE_EQ(p.t1_s, 10);
  const TimeWindow q = pan_window({2, 4}, -5, 0, 10);
  EXPECT_DOUBLE_EQ(q.t0_s, 0);
}

}  // namespace
}  // namespace moesim::viz
