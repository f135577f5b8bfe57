import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@gpupool/platform';

/** The job of the `reports` queue: the building of one report. */
export const BUILD_REPORT_JOB = 'build-report';
export interface BuildReportJob {
  reportId: string;
}

/** A report job is tried this often, 1 s, 2 s, 4 s apart; each attempt starts the file over. */
export const REPORT_JOB_ATTEMPTS = 4;

/** The job id of a report's build (BullMQ 6 refuses ':' in custom ids). */
export const reportJobId = (reportId: string) => `report-${reportId}`;

/** Queues the building of reports, one job per report (job id `report-<id>`). */
@Injectable()
export class ReportQueue {
  constructor(@InjectQueue(QueueName.REPORTS) private readonly queue: Queue<BuildReportJob>) {}

  async add(reportId: string): Promise<void> {
    await this.queue.add(
      BUILD_REPORT_JOB,
      { reportId },
      { jobId: reportJobId(reportId), attempts: REPORT_JOB_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 } },
    );
  }

  /**
   * Queues a report again unless a job for it is waiting, delayed or running; a finished job
   * with its id is removed first (BullMQ keeps the id of a finished job taken).
   */
  async requeue(reportId: string): Promise<boolean> {
    const job = await this.queue.getJob(reportJobId(reportId));
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await job.remove();
    }
    await this.add(reportId);
    return true;
  }
}
