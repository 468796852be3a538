# The help pages (docs/*.md, platyPS 1.0) and what the build's help compiler (build/HelpCompiler)
# makes of them; where platyPS 1.0 is installed, compared with platyPS's own MAML, cmdlet by cmdlet.

BeforeDiscovery {
    $script:Root = Join-Path -Path $PSScriptRoot -ChildPath '..'
    $script:Pages = @(Get-ChildItem -Path (Join-Path $Root 'docs') -Filter '*.md' | ForEach-Object -Process { @{ Page = $_.FullName; Name = $_.BaseName } })
    $script:CmdletPages = @($Pages | Where-Object { $_.Name -notlike 'about_*' })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Root = Join-Path -Path $PSScriptRoot -ChildPath '..'
    $script:ModuleBase = (Get-Module MemMap).ModuleBase
    $script:NoPlatyPS = if (-not (Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable)) { 'platyPS 1.0 (Microsoft.PowerShell.PlatyPS) is not installed' }
    $script:Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $script:Maml = 'http://schemas.microsoft.com/maml/2004/10'

    function Invoke-HelpCompiler([string] $Docs, [string] $Output) {
        # The compiler the build just built (any configuration), run as the build runs it.
        $tool = Get-ChildItem -Path (Join-Path $Root 'build/HelpCompiler/bin') -Filter HelpCompiler.dll -Recurse | Sort-Object LastWriteTime | Select-Object -Last 1
        $text = & dotnet $tool.FullName $Docs $Output 'MemMap.dll-Help.xml' 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($text | Out-String) }
    }

    function Get-CommandElement([string] $Path, [string] $Name) {
        $xml = [xml](Get-Content -Raw -LiteralPath $Path)
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', $Command); $ns.AddNamespace('maml', $Maml); $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
        [pscustomobject]@{ Node = $xml.SelectSingleNode("//command:command[command:details/command:name='$Name']", $ns); Ns = $ns }
    }

    function Get-MamlSummary([string] $Path, [string] $Name) {
        <#
        What a MAML file says of a cmdlet, in a form two writers of MAML can be compared by: text with its
        whitespace collapsed and its paragraphs joined, and platyPS 1.0.3's defects undone (each named below).
        #>
        $c = Get-CommandElement -Path $Path -Name $Name
        if (-not $c.Node) { throw "$Path has no help for $Name" }
        $collapse = { param([string] $s) ($s -replace '\s+', ' ').Trim() }
        $text = { param($node) & $collapse (@($node.SelectNodes('descendant-or-self::maml:para', $c.Ns) | ForEach-Object -MemberName InnerText) -join ' ') }
        $nameOf = { param($p) $p.SelectSingleNode('maml:name', $c.Ns).InnerText }
        # Syntax items as name, Required and position per set. platyPS 1.0.3 writes pipelineInput="false" and
        # globbing="false" for every parameter of every syntax item, so those are compared per parameter below.
        $sets = @($c.Node.SelectNodes('command:syntax/command:syntaxItem', $c.Ns) | ForEach-Object -Process { , @($_.SelectNodes('command:parameter', $c.Ns)) })
        # A parameter is Required in the parameter list only where every set that has it requires it (the syntax
        # says which set requires it). platyPS 1.0.3 marks it Required when any one set does.
        $requiredEverywhere = { param($name) -not @($sets | ForEach-Object -Process { $_ } | Where-Object { (& $nameOf $_) -eq $name -and $_.required -ne 'true' }) }
        # Pipeline input as a set of ways: ByValue, ByPropertyName in either order.
        $pipeline = { param($p) (@(($p.pipelineInput -replace '\s', '').ToLowerInvariant() -split '[(),]' | Where-Object { $_ } | Sort-Object) -join ',') }
        [pscustomobject]@{
            Synopsis    = & $text $c.Node.SelectSingleNode('command:details/maml:description', $c.Ns)
            Description = & $text $c.Node.SelectSingleNode('maml:description', $c.Ns)
            # A set's positions as the order of its positional parameters: platyPS 1.0.3 numbers them from 0 in
            # the order the page's syntax block shows them, not by their Position (Set-MappingAdvice -Advice is
            # position 1 in every set, also where no parameter has position 0).
            Syntax      = @($sets | ForEach-Object -Process {
                    $positions = @($_ | Where-Object -Property position -Match '^\d+$' | ForEach-Object -Process { [int] $_.position } | Sort-Object)
                    (@($_ | ForEach-Object -Process {
                                $position = if ($_.position -match '^\d+$') { [array]::IndexOf($positions, [int] $_.position) } else { 'named' }
                                '{0} required={1} position={2}' -f (& $nameOf $_), $_.required, $position
                            } | Sort-Object) -join '; ')
                } | Sort-Object)
            Parameters  = @($c.Node.SelectNodes('command:parameters/command:parameter', $c.Ns) | ForEach-Object -Process {
                    '{0} type={1} aliases={2} required={3} position={4} pipeline={5} globbing={6}: {7}' -f (& $nameOf $_), $_.SelectSingleNode('dev:type/maml:name', $c.Ns).InnerText, $_.aliases,
                    (& $requiredEverywhere (& $nameOf $_)).ToString().ToLowerInvariant(), $_.position.ToLowerInvariant(), (& $pipeline $_), $_.globbing, (& $text $_.SelectSingleNode('maml:description', $c.Ns))
                } | Sort-Object -Unique)
            Examples    = @($c.Node.SelectNodes('command:examples/command:example', $c.Ns) | ForEach-Object -Process {
                    $code = $_.SelectSingleNode('dev:code', $c.Ns).InnerText
                    $remarks = & $text $_.SelectSingleNode('dev:remarks', $c.Ns)
                    $introduction = @($_.SelectNodes('maml:introduction/maml:para', $c.Ns) | ForEach-Object -MemberName InnerText | Where-Object { $_ -ne [string][char]0x80 })
                    if (-not $code -and $introduction) {
                        # platyPS 1.0.3 leaves dev:code empty and writes the example's Markdown into the introduction,
                        # cut at every blank line (fences too) with U+0080 paragraphs between: the page's text again.
                        # The build's compiler writes the commands as the code, then the explanation, then "Output:" and
                        # any output fence, as the remarks.
                        $markdown = $introduction -join "`n`n"
                        $fences = [regex]::Matches($markdown, '(?ms)^```(?<info>\w*)\n(?<body>.*?)\n```$')
                        $code = @($fences | Where-Object { $_.Groups['info'].Value -ne 'Output' } | ForEach-Object -Process { $_.Groups['body'].Value }) -join "`n`n"
                        $remarks = & $collapse ((@([regex]::Replace($markdown, '(?ms)^```(?<info>\w*)\n(?<body>.*?)\n```$', '')) +
                                @($fences | Where-Object { $_.Groups['info'].Value -eq 'Output' } | ForEach-Object -Process { "Output: $($_.Groups['body'].Value)" })) -join ' ')
                    }
                    '{0}: {1} | {2}' -f (& $collapse $_.SelectSingleNode('maml:title', $c.Ns).InnerText).Trim(' -'), (& $collapse $code), $remarks
                })
        }
    }
}

AfterAll {
    if ($script:PlatyFolder) { Remove-Item -LiteralPath $PlatyFolder -Recurse -Force }
}

Describe 'The help page <Name>' -ForEach $Pages {
    It 'is in the platyPS 1.0 schema' {
        $text = Get-Content -Raw -LiteralPath $Page
        $front = [regex]::Match($text, '\A---\n(?<front>.*?)\n---\n', 'Singleline').Groups['front'].Value
        $front | Should -Match "(?m)^title: $([regex]::Escape($Name))$"
        $front | Should -Match '(?m)^Locale: en-US$'
        $front | Should -Match '(?m)^ms\.date: \d\d/\d\d/\d{4}$'
        $front | Should -Match '(?m)^PlatyPS schema version: 2024-05-01$'
        if ($Name -notlike 'about_*') {
            $text | Should -Match '\n## ALIASES\n'
            $text | Should -Not -Match '\nParameter Sets:' -Because 'that is the platyPS 0.14 yaml: run build/Update-HelpSchema.ps1'
        }
    }
}

Describe 'The SYNTAX section of <Name>' -ForEach $CmdletPages {
    It 'shows each parameter set of the cmdlet with the parameters Get-Command gives it' {
        # The build takes the sets from each parameter's YAML, not from these blocks; platyPS and readers of the page take them from here.
        $text = Get-Content -Raw -LiteralPath $Page
        $section = [regex]::Match($text, '(?s)\n## SYNTAX\n(?<body>.*?)\n## ').Groups['body'].Value
        $shown = @([regex]::Matches($section, '(?m)^### (?<set>\S+)(?: \(Default\))?\n+```\n(?<syntax>[^\n]+)\n```') | ForEach-Object -Process {
                '{0}: {1}' -f $_.Groups['set'].Value, (@([regex]::Matches($_.Groups['syntax'].Value, '(?<=[\s\[])-(\w+)') | ForEach-Object -Process { $_.Groups[1].Value } | Sort-Object) -join ' ')
            } | Sort-Object)
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }
        $actual = @((Get-Command -Name $Name).ParameterSets | ForEach-Object -Process {
                '{0}: {1}' -f $_.Name, (@($_.Parameters.Name | Where-Object { $_ -notin $common } | Sort-Object) -join ' ')
            } | Sort-Object)
        $shown | Should -Be $actual
    }
}

Describe 'The about topics the build writes' {
    It 'are plain text of at most 80 columns, code indented 8 and kept as written' {
        $topics = @(Get-ChildItem -Path (Join-Path $ModuleBase 'en-US') -Filter 'about_*.help.txt')
        $topics.Count | Should -BeGreaterThan 0
        foreach ($line in $topics | Get-Content) {
            $line.Length | Should -BeLessOrEqual 80 -Because $line
            if (-not $line.StartsWith('        ')) { $line | Should -Not -Match '`|\*\*|\]\(|^#' }
        }
    }
}

Describe 'The help compiler' {
    BeforeAll {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "memmap-help-$PID-$(New-Guid)"
        New-Item -ItemType Directory -Path "$Work/docs" | Out-Null
    }
    AfterAll { Remove-Item -LiteralPath $Work -Recurse -Force }

    It 'compiles a page added in the same format, with its parameter sets, parameters and examples' {
        # Another cmdlet's page, renamed: what a helper adding a cmdlet writes.
        $page = (Get-Content -Raw -LiteralPath (Join-Path $Root 'docs/Set-MappedByte.md')) -replace 'Set-MappedByte\b', 'Test-HelpCompiler'
        Set-Content -LiteralPath "$Work/docs/Test-HelpCompiler.md" -Value $page -NoNewline
        $result = Invoke-HelpCompiler -Docs "$Work/docs" -Output "$Work/out"
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $copy = Get-MamlSummary -Path "$Work/out/MemMap.dll-Help.xml" -Name 'Test-HelpCompiler'
        $built = Get-MamlSummary -Path (Join-Path $ModuleBase 'en-US/MemMap.dll-Help.xml') -Name 'Set-MappedByte'
        $copy.Syntax | Should -Be $built.Syntax
        $copy.Parameters.Count | Should -Be $built.Parameters.Count
        $copy.Examples.Count | Should -Be $built.Examples.Count
        $copy.Syntax.Count | Should -Be (Get-Command Set-MappedByte).ParameterSets.Count
    }

    It 'refuses a page whose parameter has no YAML block, naming the page and the parameter' {
        $page = (Get-Content -Raw -LiteralPath (Join-Path $Root 'docs/Sync-MemoryMapping.md')) -replace '(?s)(### -Mapping.*?)```yaml.*?```', '$1'
        Set-Content -LiteralPath "$Work/docs/Sync-MemoryMapping.md" -Value $page -NoNewline
        $result = Invoke-HelpCompiler -Docs "$Work/docs" -Output "$Work/broken"
        $result.ExitCode | Should -Be 1
        $result.Text | Should -Match 'Sync-MemoryMapping\.md: error: -Mapping needs one yaml block'
        Test-Path -LiteralPath "$Work/broken/MemMap.dll-Help.xml" | Should -BeFalse
    }
}

Describe 'The build''s MAML of <Name>, against platyPS''s' -ForEach $CmdletPages {
    BeforeAll {
        if (-not $NoPlatyPS -and -not $script:PlatyMaml) {
            # Once for all pages: platyPS's MAML, and what Get-Help shows of every cmdlet with either MAML.
            Import-Module -Name Microsoft.PowerShell.PlatyPS
            $script:PlatyFolder = Join-Path ([IO.Path]::GetTempPath()) "memmap-platyps-$PID-$(New-Guid)"
            # -Exclude would drop every page here (it filters the docs folder itself, not only its children).
            # platyPS 1.0.3 writes <OutputFolder>/<ModuleName>/<ModuleName>.dll-Help.xml and returns that file.
            $script:PlatyMaml = (Get-ChildItem -Path (Join-Path $Root 'docs') -Filter '*.md' | Where-Object -Property Name -NotLike 'about_*' |
                    Import-MarkdownCommandHelp | Export-MamlCommandHelp -OutputFolder "$PlatyFolder/maml" -Force | Select-Object -First 1).FullName
            # The module folder again, with platyPS's MAML, each in a pwsh of its own.
            $copy = Join-Path $PlatyFolder 'MemMap'
            Copy-Item -LiteralPath $ModuleBase -Destination $copy -Recurse
            Copy-Item -LiteralPath $PlatyMaml -Destination (Join-Path $copy 'en-US/MemMap.dll-Help.xml') -Force
            $project = {
                param($Manifest, [string[]] $Names)
                Import-Module -Name $Manifest
                $shown = @{}
                foreach ($name in $Names) {
                    $help = Get-Help -Name $name -Full
                    $shown[$name] = [pscustomobject]@{
                        Synopsis   = $help.Synopsis.Trim()
                        Syntax     = @($help.Syntax.SyntaxItem | ForEach-Object -Process { (@($_.Parameter | ForEach-Object -Process { "$($_.Name):$($_.Required)" } | Sort-Object) -join ' ') } | Sort-Object)
                        # Pipeline input as a set of ways, as in Get-MamlSummary.
                        Parameters = @($help.Parameters.Parameter | ForEach-Object -Process { "$($_.Name) <$($_.Type.Name)> pipeline=$(@($_.PipelineInput.ToLowerInvariant() -split '[\s(),]' | Where-Object { $_ } | Sort-Object) -join ',')" } | Sort-Object -Unique)
                        Examples   = @($help.Examples.Example | ForEach-Object -Process {
                                $code = $_.Code
                                if (-not $code) {
                                    # platyPS 1.0.3 leaves the code empty and shows the page's Markdown, fences and all,
                                    # as the introduction (cut at blank lines, U+0080 between): its commands again.
                                    $markdown = (@($_.Introduction.Text) -join "`n`n") -replace [char]0x80, ''
                                    $code = @([regex]::Matches($markdown, '(?ms)^```(?<info>\w*)\n(?<body>.*?)\n```$') | Where-Object { $_.Groups['info'].Value -ne 'Output' } | ForEach-Object -Process { $_.Groups['body'].Value }) -join "`n`n"
                                }
                                ($code -replace '\s+', ' ').Trim()
                            })
                    }
                }
                $shown | ConvertTo-Json -Depth 4
            }
            $names = @($CmdletPages | ForEach-Object -Process { $_.Name })
            $pwsh = Get-PwshCommand
            $script:HelpTheirs = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $project -args (Join-Path $copy 'MemMap.psd1'), $names | Out-String) | ConvertFrom-Json -AsHashtable
            $script:HelpOurs = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $project -args (Join-Path $ModuleBase 'MemMap.psd1'), $names | Out-String) | ConvertFrom-Json -AsHashtable
        }
    }

    It 'has the same synopsis, description, parameter sets, parameters and examples' {
        if ($NoPlatyPS) { Set-ItResult -Skipped -Because $NoPlatyPS; return }
        $ours = Get-MamlSummary -Path (Join-Path $ModuleBase 'en-US/MemMap.dll-Help.xml') -Name $Name
        $theirs = Get-MamlSummary -Path $PlatyMaml -Name $Name
        $ours.Synopsis | Should -Be $theirs.Synopsis
        $ours.Description | Should -Be $theirs.Description
        # Every set's parameters with Required and position, as the syntax shows them.
        $ours.Syntax | Should -Be $theirs.Syntax
        # Name, type, aliases, Required in every set, lowest position, pipeline input, wildcards and description.
        $ours.Parameters | Should -Be $theirs.Parameters
        # Title, commands and explanation with any output.
        $ours.Examples | Should -Be $theirs.Examples
    }

    It 'shows the same in Get-Help' {
        if ($NoPlatyPS) { Set-ItResult -Skipped -Because $NoPlatyPS; return }
        $HelpOurs[$Name] | Should -Not -BeNullOrEmpty
        ($HelpOurs[$Name] | ConvertTo-Json -Depth 3) | Should -Be ($HelpTheirs[$Name] | ConvertTo-Json -Depth 3)
    }
}
