# The module contract, answered by PowerShell itself: what Get-Command, the parameter binder,
# Get-Help, Get-FormatData and TabExpansion2 make of every cmdlet the module exports (including
# cmdlets added later: nothing here names one cmdlet, except to check that the lists are not empty).

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Cmdlets = @(Get-Command -Module MemMap -CommandType Cmdlet | ForEach-Object -Process { @{ Name = $_.Name } })
    $script:MappingCmdlets = @(Get-Command -Module MemMap -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Mapping') } | ForEach-Object -Process { @{ Name = $_.Name } })
    # The verbs that create, change or remove something: PSScriptAnalyzer's state-changing verbs
    # (PSUseShouldProcessForStateChangingFunctions) plus Resize and Clear. Not Sync (msync persists
    # what is already written, and a -WhatIf flush would only leave data unsynced), nor Lock/Unlock
    # (they pin pages in RAM and release them: no data or file changes; the limit error is the guard).
    $script:ChangingVerbs = 'New', 'Set', 'Remove', 'Resize', 'Clear', 'Reset', 'Update', 'Start', 'Stop', 'Restart', 'Rename', 'Move'
    $script:ChangingCmdlets = @(Get-Command -Module MemMap -CommandType Cmdlet | Where-Object Verb -In $ChangingVerbs | ForEach-Object -Process { @{ Name = $_.Name } })
    $script:Aliases = @(Get-Command -Module MemMap -CommandType Cmdlet | ForEach-Object -Process {
            $cmdlet = $_.Name
            foreach ($alias in $_.ImplementingType.GetCustomAttributes([System.Management.Automation.AliasAttribute], $true).AliasNames) { @{ Name = $cmdlet; Alias = $alias } }
        })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:ModuleBase = (Get-Module MemMap).ModuleBase
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + 'UseTransaction'

    function Get-OwnParameter([System.Management.Automation.CommandInfo] $Command, [System.Management.Automation.CommandParameterSetInfo] $Set) {
        # The parameters of a set that no other set has: the binder can choose the set only from one of them.
        $others = $Command.ParameterSets | Where-Object Name -NE $Set.Name | ForEach-Object -Process { $_.Parameters.Name }
        @($Set.Parameters | Where-Object { $_.Name -notin $others -and $_.Name -notin $CommonParameters })
    }

    function ConvertTo-BindingProbe([System.Management.Automation.CommandInfo] $Command) {
        <#
        A script block with the cmdlet's own parameter metadata (sets, default set, positions,
        mandatory, pipeline, aliases), as [CommandMetadata] and [ProxyCommand] read it, whose body only
        reports what the real binder chose. Types other than switches and MemoryMapping are loosened to
        [object] and validation is dropped, so that any value binds and nothing runs.
        #>
        $metadata = [System.Management.Automation.CommandMetadata]::new($Command)
        foreach ($parameter in $metadata.Parameters.Values) {
            if ($parameter.ParameterType -notin [switch], [MemMap.MemoryMapping], [MemMap.MemoryMapping[]]) { $parameter.ParameterType = [object] }
            $loose = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateArgumentsAttribute] -or $_ -is [System.Management.Automation.ArgumentTransformationAttribute] })
            $loose | ForEach-Object -Process { [void]$parameter.Attributes.Remove($_) }
        }
        $binding = [System.Management.Automation.ProxyCommand]::GetCmdletBindingAttribute($metadata)
        $parameters = [System.Management.Automation.ProxyCommand]::GetParamBlock($metadata)
        [scriptblock]::Create("$binding param($parameters) process { [pscustomobject]@{ Set = `$PSCmdlet.ParameterSetName; Bound = @(`$PSBoundParameters.Keys) } }")
    }

    function Get-ProbeArgument([System.Management.Automation.CommandParameterInfo[]] $Parameter, $Mapping) {
        # A value each parameter binds: a switch is on, a mapping is a live one, anything else is 1.
        $arguments = @{}
        foreach ($p in $Parameter) {
            $arguments[$p.Name] = if ($p.ParameterType -eq [switch]) { [switch]$true } elseif ($p.ParameterType -in [MemMap.MemoryMapping], [MemMap.MemoryMapping[]]) { $Mapping } else { 1 }
        }
        $arguments
    }

    function Get-SetArgument([System.Management.Automation.CommandInfo] $Command, [System.Management.Automation.CommandParameterSetInfo] $Set, [string[]] $Except = @()) {
        # What a user gives to be in a set: its mandatory parameters, and one of its own if none of those is.
        $given = @($Set.Parameters | Where-Object { $_.IsMandatory -and $_.Name -notin $Except })
        $own = Get-OwnParameter -Command $Command -Set $Set
        if ($Set.Name -ne $Command.DefaultParameterSet -and $Command.ParameterSets.Count -gt 1 -and -not ($given | Where-Object Name -In $own.Name)) {
            $given += $own | Where-Object Name -NotIn $Except | Select-Object -First 1
        }
        $given
    }
}

Describe 'The module folder and manifest' {
    It 'holds what Import-Module needs and no PowerShell assembly' {
        $files = Get-ChildItem -LiteralPath $ModuleBase -Recurse -File | ForEach-Object -Process { [IO.Path]::GetRelativePath($ModuleBase, $_.FullName) }
        foreach ($needed in 'MemMap.psd1', 'MemMap.dll', 'MemMap.Core.dll', 'MemMap.Format.ps1xml', 'LICENSE', 'en-US/MemMap.dll-Help.xml', 'en-US/about_MemMap.help.txt') {
            $files | Should -Contain $needed
        }
        $files | Where-Object { $_ -like 'System.Management.Automation*' -or $_ -like 'Microsoft.PowerShell.*' } | Should -BeNullOrEmpty
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModuleBase 'MemMap.psd1')
        $manifest.RootModule | Should -Be 'MemMap.dll'
        @($manifest.FormatsToProcess) | Should -Be @('MemMap.Format.ps1xml')
        @($manifest.FunctionsToExport) | Should -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets of its assembly, and their aliases' {
        # MemMap.dll imported on its own, with no manifest to filter it, in a runspace of its own.
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({ param($Dll) (Import-Module -Name $Dll -PassThru).ExportedCmdlets.Keys }).AddArgument((Join-Path $ModuleBase 'MemMap.dll'))
            $inAssembly = @($shell.Invoke())
        }
        finally { $shell.Dispose() }
        $exported = @((Get-Command -Module MemMap -CommandType Cmdlet).Name)
        $inAssembly.Count | Should -BeGreaterThan 0
        $exported | Sort-Object | Should -Be ($inAssembly | Sort-Object)
        # A binary module's [Alias] on a cmdlet class is visible only when the manifest exports it.
        $declared = Get-Command -Module MemMap -CommandType Cmdlet | ForEach-Object -Process { $_.ImplementingType.GetCustomAttributes([System.Management.Automation.AliasAttribute], $true).AliasNames }
        @((Get-Command -Module MemMap -CommandType Alias).Name) | Sort-Object | Should -Be @($declared | Sort-Object)
    }
}

Describe '<Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Command = Get-Command -Name $Name
        $script:Help = Get-Help -Name $Name -Full
        $script:Probe = ConvertTo-BindingProbe -Command $Command
    }

    It 'has an approved verb and a singular noun' {
        (Get-Verb).Verb | Should -Contain $Command.Verb
        $lastWord = [regex]::Matches($Command.Noun, '[A-Z][a-z0-9]*')[-1].Value
        $lastWord | Should -Not -Match '(?<!s|u|i)s$' -Because "PowerShell nouns are singular (PSUseSingularNouns): '$lastWord' looks plural"
    }

    It 'declares its output types, and the format file has a view for each of MemMap''s' {
        $Command.OutputType.Count | Should -BeGreaterThan 0
        foreach ($type in $Command.OutputType.Name | Where-Object { $_ -like 'MemMap.*' }) {
            Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "$type needs a view in MemMap.Format.ps1xml"
        }
    }

    It 'names an existing default parameter set when it has several' {
        if ($Command.ParameterSets.Count -gt 1) {
            $Command.ParameterSets.Name | Should -Contain $Command.DefaultParameterSet
        }
    }

    It 'has no two parameters at one position, nor two that take the pipeline by value, in any set' {
        foreach ($set in $Command.ParameterSets) {
            $positions = @($set.Parameters | Where-Object Position -GE 0 | ForEach-Object -MemberName Position)
            $positions.Count | Should -Be @($positions | Sort-Object -Unique).Count -Because "set $($set.Name) has two parameters at one position"
            @($set.Parameters | Where-Object ValueFromPipeline).Count | Should -BeLessOrEqual 1 -Because "set $($set.Name) has two parameters by value"
        }
    }

    It 'lets the binder choose every parameter set from the parameters a user gives for it' {
        $mapping = New-MemoryMapping -Anonymous -Length 16
        try {
            foreach ($set in $Command.ParameterSets) {
                $arguments = Get-ProbeArgument -Parameter (Get-SetArgument -Command $Command -Set $set) -Mapping $mapping
                $bound = & $Probe @arguments
                $bound.Set | Should -Be $set.Name -Because "$Name $(($arguments.Keys | ForEach-Object { "-$_" }) -join ' ') must bind set $($set.Name)"
            }
        }
        finally { Remove-MemoryMapping $mapping }
    }

    It 'has help: a synopsis of its own, examples that parse, and each parameter described once' {
        $Help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -BeLike "$Name *[<CommonParameters>]*" -Because 'a cmdlet without help gets its syntax as synopsis'
        $examples = @($Help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $errors = $null
            [System.Management.Automation.Language.Parser]::ParseInput($example.Code, [ref]$null, [ref]$errors) | Out-Null
            $errors | Should -BeNullOrEmpty -Because "the code of $($example.Title.Trim(' -')) must parse"
        }
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters }) {
            $entries = @(Get-Help -Name $Name -Parameter $parameter)
            $entries.Count | Should -Be 1 -Because "Get-Help $Name -Parameter $parameter shows the parameter once"
            ($entries[0].Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'has help whose syntax shows every parameter set with its parameters, each required as in that set' {
        $items = @($Help.Syntax.SyntaxItem)
        $items.Count | Should -Be $Command.ParameterSets.Count
        foreach ($set in $Command.ParameterSets) {
            $members = @($set.Parameters | Where-Object Name -NotIn $CommonParameters)
            $item = $items | Where-Object { (@($_.Parameter.Name | Sort-Object) -join ',') -eq (@($members.Name | Sort-Object) -join ',') }
            @($item).Count | Should -Be 1 -Because "one syntax item must list exactly the parameters of set $($set.Name): $($members.Name -join ', ')"
            foreach ($member in $members) {
                ($item.Parameter | Where-Object Name -EQ $member.Name).Required | Should -Be ([string]$member.IsMandatory).ToLowerInvariant() -Because "set $($set.Name) shows -$($member.Name)"
            }
        }
    }
}

Describe '<Name> -Mapping' -ForEach $MappingCmdlets {
    BeforeAll {
        $script:Command = Get-Command -Name $Name
        $script:Probe = ConvertTo-BindingProbe -Command $Command
    }

    It 'is mandatory, at position 0 and taken from the pipeline by value in every set that has it' {
        foreach ($set in $Command.ParameterSets | Where-Object { $_.Parameters.Name -contains 'Mapping' }) {
            $mapping = $set.Parameters | Where-Object Name -EQ 'Mapping'
            $mapping.IsMandatory | Should -BeTrue -Because "set $($set.Name)"
            $mapping.Position | Should -Be 0 -Because "set $($set.Name)"
            $mapping.ValueFromPipeline | Should -BeTrue -Because "set $($set.Name)"
        }
    }

    It 'binds a mapping piped to it in every set that has it' {
        $live = New-MemoryMapping -Anonymous -Length 16
        try {
            foreach ($set in $Command.ParameterSets | Where-Object { $_.Parameters.Name -contains 'Mapping' }) {
                $arguments = Get-ProbeArgument -Parameter (Get-SetArgument -Command $Command -Set $set -Except Mapping) -Mapping $live
                $bound = $live | & $Probe @arguments
                $bound.Bound | Should -Contain 'Mapping' -Because "a mapping piped to $Name binds -Mapping in set $($set.Name)"
                $bound.Set | Should -Be $set.Name
            }
        }
        finally { Remove-MemoryMapping $live }
    }

    It 'completes the live mappings' {
        $live = New-MemoryMapping -Anonymous -Length 16
        try {
            $line = "$Name -Mapping "
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain "(Get-MemoryMapping -Id $($live.Id))"
        }
        finally { Remove-MemoryMapping $live }
    }
}

Describe '<Name>, whose verb creates, changes or removes' -ForEach $ChangingCmdlets {
    It 'supports -WhatIf and -Confirm' {
        $command = Get-Command -Name $Name
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe 'The alias <Alias> of <Name>' -ForEach $Aliases {
    It 'resolves to the cmdlet and is named in its synopsis and description' {
        (Get-Command -Name $Alias).ResolvedCommand.Name | Should -Be $Name
        $help = Get-Help -Name $Name
        $help.Synopsis | Should -Match ([regex]::Escape($Alias))
        ($help.Description | Out-String) | Should -Match ([regex]::Escape("``$Alias``"))
    }
}

Describe 'The lists this contract iterates over' {
    It 'hold the cmdlets they are meant to' -TestCases @(@{ All = $Cmdlets.Name; WithMapping = $MappingCmdlets.Name; Changing = $ChangingCmdlets.Name; Alias = $Aliases.Alias }) {
        $All | Should -Contain 'New-MemoryMapping'
        $WithMapping | Should -Contain 'Get-MappedByte'
        $WithMapping | Should -Not -Contain 'New-MemoryMapping'
        $Changing | Should -Contain 'Remove-MemoryMapping'
        $Changing | Should -Not -Contain 'Sync-MemoryMapping'
        $Alias | Should -Contain 'Set-MappedBytes'
    }
}
