import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it, vi } from 'vitest';
import { OtpTable } from '../../lib/constructs/otp-table.js';
import { logicalId, roleStatements } from './synth.js';
import { SYNTH_TIMEOUT_MS } from './timeouts.js';

// Synths and bundles are slow on a busy machine: see SYNTH_TIMEOUT_MS.
vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

function tableAndRole() {
  const stack = new Stack(new App(), 'Table');
  return {
    stack,
    table: new OtpTable(stack, 'Otp'),
    role: new Role(stack, 'Role', { assumedBy: new AccountRootPrincipal() }),
  };
}

describe('OtpTable.grantItemAccess', () => {
  it('shares one statement between kinds with the same actions, in a fixed action order', () => {
    const { stack, table, role } = tableAndRole();
    table.grantItemAccess(role, {
      ip: ['UpdateItem'],
      phone: ['UpdateItem', 'GetItem'],
      family: ['GetItem', 'UpdateItem'],
    });
    const tableArn = { 'Fn::GetAtt': [logicalId(table.table), 'Arn'] };
    expect(roleStatements(Template.fromStack(stack), logicalId(role))).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*', 'FAM#*'] } },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IP#*'] } },
      },
    ]);
  });

  it('refuses a grant that names no item, or a kind with no action', () => {
    const { table, role } = tableAndRole();
    expect(() => table.grantItemAccess(role, {})).toThrow(/at least one kind of item/);
    expect(() => table.grantItemAccess(role, { phone: ['PutItem'] }, { phone: ['userId'] })).toThrow(
      /only a GetItem can be limited to attributes \(phone items\)/,
    );
    expect(() => table.grantItemAccess(role, { phone: ['GetItem', 'DeleteItem'] }, { phone: ['userId'] })).toThrow(
      /readable in part may only be written with PutItem or UpdateItem/,
    );
    expect(() => table.grantItemAccess(role, { phone: [] })).toThrow(/no item action listed for phone items/);
  });

  it('limits the GetItem of a kind readable in part to its attributes, and its writes to returning nothing', () => {
    const { stack, table, role } = tableAndRole();
    table.grantItemAccess(
      role,
      { phone: ['UpdateItem', 'GetItem', 'PutItem'], ip: ['UpdateItem'] },
      { phone: ['userId'] },
    );
    const tableArn = { 'Fn::GetAtt': [logicalId(table.table), 'Arn'] };
    expect(roleStatements(Template.fromStack(stack), logicalId(role))).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'userId'] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PHONE#*'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IP#*'] } },
      },
    ]);
  });
});
